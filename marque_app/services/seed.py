"""The demo catalog: a realistic, deterministic store for newcomers, demos and tests.

``load_demo(session=...)`` fills an empty database; the same seed always gives the same store
(ids, names, prices, stock), so tests can rely on it. ``DEMO_ACCOUNTS`` are documented in the
README.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, func, select

from marque_app.models import (
    Brand,
    Category,
    Coupon,
    Product,
    ProductImage,
    ProductReview,
    ProductStatus,
    ProductVariant,
    User,
    UserRole,
)
from marque_app.services.demo_images import product_svg, write_product_image
from marque_app.services.passwords import hash_password

#: Demo data is dated relative to this instant, not to "now", so every load is identical.
ANCHOR = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
NAMESPACE = uuid.UUID("6f1c3c1e-6a8e-4c0e-9a51-3d0c1b7a9e10")


@dataclass(frozen=True)
class DemoAccount:
    role: UserRole
    email: str
    password: str
    phone: str
    first_name: str
    last_name: str


DEMO_ACCOUNTS = (
    DemoAccount(UserRole.admin, "admin@marque.test", "Admin#2026", "+15555550100", "Ada", "Admin"),
    DemoAccount(UserRole.customer, "shopper@marque.test", "Shopper#2026", "+15555550101", "Sam", "Shopper"),
)


@dataclass(frozen=True)
class Kind:
    """A subcategory: what its products are called, drawn as, sized and priced like."""

    slug: str
    name: str
    shape: str
    nouns: tuple[str, ...]
    sizes: tuple[str, ...]
    price: tuple[int, int]


ONE = ("One Size",)
APPAREL = ("XS", "S", "M", "L", "XL")
SHOES = ("7", "8", "9", "10", "11", "12")

TREE: tuple[tuple[str, str, str, tuple[Kind, ...]], ...] = (
    (
        "clothing",
        "Clothing",
        "Everyday layers in natural fibres.",
        (
            Kind("t-shirts", "T-Shirts", "tee", ("Tee", "Crew Tee", "Pocket Tee", "Henley"), APPAREL, (18, 45)),
            Kind(
                "hoodies", "Hoodies & Sweatshirts", "hoodie", ("Hoodie", "Zip Hoodie", "Sweatshirt"), APPAREL, (45, 95)
            ),
            Kind("jackets", "Jackets", "jacket", ("Jacket", "Shell", "Overshirt", "Parka"), APPAREL, (85, 260)),
        ),
    ),
    (
        "footwear",
        "Footwear",
        "Shoes made to be worn in.",
        (
            Kind("sneakers", "Sneakers", "sneaker", ("Sneaker", "Runner", "Court Shoe", "Trainer"), SHOES, (60, 160)),
            Kind("boots", "Boots", "boot", ("Boot", "Chelsea Boot", "Hiker"), SHOES, (110, 240)),
            Kind("sandals", "Sandals", "sandal", ("Sandal", "Slide", "Trail Sandal"), SHOES, (30, 90)),
        ),
    ),
    (
        "bags",
        "Bags",
        "Carry what matters.",
        (
            Kind(
                "backpacks",
                "Backpacks",
                "backpack",
                ("Backpack", "Daypack", "Rolltop Pack"),
                ("18 L", "24 L", "30 L"),
                (55, 180),
            ),
            Kind("totes", "Totes", "tote", ("Tote", "Market Tote", "Shopper"), ONE, (25, 80)),
            Kind("duffels", "Duffels", "duffel", ("Duffel", "Weekender", "Gym Bag"), ("40 L", "60 L"), (70, 190)),
        ),
    ),
    (
        "accessories",
        "Accessories",
        "The finishing touches.",
        (
            Kind("hats", "Hats", "cap", ("Cap", "Five-Panel", "Bucket Hat", "Beanie"), ONE, (20, 48)),
            Kind("scarves", "Scarves", "scarf", ("Scarf", "Wrap", "Neck Gaiter"), ONE, (25, 85)),
            Kind("sunglasses", "Sunglasses", "sunglasses", ("Sunglasses", "Aviators", "Round Frames"), ONE, (45, 150)),
        ),
    ),
    (
        "home",
        "Home",
        "Good things for slow mornings.",
        (
            Kind("mugs", "Mugs", "mug", ("Mug", "Camp Mug", "Latte Cup"), ("10 oz", "14 oz"), (14, 36)),
            Kind(
                "candles",
                "Candles",
                "candle",
                ("Candle", "Travel Candle", "Pillar Candle"),
                ("Small", "Large"),
                (18, 52),
            ),
            Kind(
                "blankets", "Blankets", "blanket", ("Blanket", "Throw", "Picnic Blanket"), ("Throw", "Queen"), (60, 190)
            ),
        ),
    ),
    (
        "outdoor",
        "Outdoor",
        "Gear for the weekend and the long way round.",
        (
            Kind(
                "water-bottles",
                "Water Bottles",
                "bottle",
                ("Bottle", "Insulated Bottle", "Flask"),
                ("500 ml", "750 ml", "1 L"),
                (18, 48),
            ),
            Kind("camping", "Camping", "tent", ("Tent", "Shelter", "Tarp"), ("1P", "2P", "3P"), (120, 420)),
        ),
    ),
    (
        "kids",
        "Kids",
        "Built for climbing trees.",
        (
            Kind("kids-tees", "Kids' Tees", "tee", ("Kids Tee", "Mini Tee"), ("2T", "4T", "6", "8", "10"), (14, 28)),
            Kind(
                "kids-shoes",
                "Kids' Shoes",
                "sneaker",
                ("Kids Sneaker", "Mini Runner"),
                ("10C", "11C", "12C", "1Y", "2Y"),
                (35, 70),
            ),
        ),
    ),
    (
        "sport",
        "Sport",
        "Move more, in comfort.",
        (
            Kind("yoga", "Yoga", "mat", ("Yoga Mat", "Travel Mat", "Studio Mat"), ("4 mm", "6 mm"), (35, 120)),
            Kind("running", "Running", "sneaker", ("Road Runner", "Trail Runner", "Racer"), SHOES, (90, 190)),
        ),
    ),
)

BRANDS = (
    ("Northwind", "Cold-weather basics from the coast."),
    ("Harbor & Pine", "Workwear cuts, softened for every day."),
    ("Fjell", "Scandinavian outdoor gear, built to last."),
    ("Lumen Goods", "Small-batch homewares."),
    ("Saltwater Co.", "Made for days by the sea."),
    ("Ember & Oak", "Warm textures, honest materials."),
    ("Atlas Trail", "Trail-tested since 1998."),
    ("Kinfolk Studio", "Quiet design for busy lives."),
    ("Verde", "Recycled and organic, always."),
    ("Copperline", "City gear with a craftsman's finish."),
)

ADJECTIVES = (
    "Everyday",
    "Ridge",
    "Harbor",
    "Summit",
    "Coastal",
    "Field",
    "Alpine",
    "Meridian",
    "Drift",
    "Canyon",
    "Lumen",
    "Heritage",
    "Voyager",
    "Cedar",
    "Tidal",
    "Nomad",
    "Aurora",
    "Granite",
    "Willow",
    "Beacon",
    "Horizon",
    "Juniper",
    "Basalt",
    "Marlow",
)
MATERIALS = (
    "Organic Cotton",
    "Merino",
    "Recycled",
    "Waxed Canvas",
    "Linen",
    "Stoneware",
    "Ripstop",
    "Heavyweight",
    "Lightweight",
    "Brushed",
    "Technical",
    "Classic",
)
COLOURS = (
    "Black",
    "White",
    "Navy",
    "Olive",
    "Sand",
    "Rust",
    "Forest",
    "Sky",
    "Charcoal",
    "Cream",
    "Burgundy",
    "Mustard",
    "Clay",
    "Sage",
    "Blush",
    "Slate",
    "Natural",
    "Amber",
    "Stone",
)
REVIEW_LINES = {
    5: ("Love it", "Exactly as pictured, great quality.", "Best purchase this year", "Fits perfectly."),
    4: ("Really good", "Very nice, runs slightly large.", "Would buy again", "Solid and well made."),
    3: ("It's fine", "Decent, but the colour is darker than shown.", "Okay for the price"),
    2: ("Not for me", "Material felt thinner than expected."),
    1: ("Disappointed", "Came apart after a few weeks."),
}

ACTIVE_PRODUCTS = 200
DRAFT_PRODUCTS = 4
ARCHIVED_PRODUCTS = 3


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts))


def slugify(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(filter(None, out.split("-")))


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def is_empty(*, session: Session) -> bool:
    """Whether the catalog has no products yet (the demo is loaded only then)."""
    return session.exec(select(func.count()).select_from(Product)).one() == 0


def load_demo(*, session: Session, seed: int = 20261121, write_images: bool = True) -> dict[str, int]:
    """Fill an empty database with the demo store and return what was created.

    Args:
        session: an open session; the caller commits.
        seed: the random seed; the same seed always gives the same store.
        write_images: write the product pictures under ``assets/products/``.

    Returns:
        Counts per kind of row created.
    """
    rng = random.Random(seed)
    counts: dict[str, int] = {}

    users = _users(rng)
    session.add_all(users)
    session.flush()

    brands = [
        Brand(
            id=_id("brand", name),
            name=name,
            slug=slugify(name),
            description=desc,
            logo_url=None,
            created_at=ANCHOR - timedelta(days=400),
        )
        for name, desc in BRANDS
    ]
    session.add_all(brands)

    kinds: list[tuple[Kind, Category]] = []
    categories: list[Category] = []
    for order, (slug, name, desc, subs) in enumerate(TREE):
        parent = Category(
            id=_id("category", slug),
            name=name,
            slug=slug,
            description=desc,
            sort_order=order,
            created_at=ANCHOR - timedelta(days=400),
        )
        categories.append(parent)
        for sub_order, kind in enumerate(subs):
            child = Category(
                id=_id("category", kind.slug),
                name=kind.name,
                slug=kind.slug,
                parent_id=parent.id,
                sort_order=sub_order,
                description=f"{kind.name} from brands we trust.",
                created_at=ANCHOR - timedelta(days=400),
            )
            categories.append(child)
            kinds.append((kind, child))
    session.add_all(categories)
    session.flush()

    products, variants, images = [], [], []
    used_slugs: set[str] = set()
    total = ACTIVE_PRODUCTS + DRAFT_PRODUCTS + ARCHIVED_PRODUCTS
    for index in range(total):
        kind, category = kinds[index % len(kinds)]
        brand = brands[rng.randrange(len(brands))]
        status = (
            ProductStatus.active
            if index < ACTIVE_PRODUCTS
            else ProductStatus.draft
            if index < ACTIVE_PRODUCTS + DRAFT_PRODUCTS
            else ProductStatus.archived
        )
        product, product_variants, product_images = _product(
            rng, index, kind, category, brand, status, used_slugs, write_images
        )
        products.append(product)
        variants.extend(product_variants)
        images.extend(product_images)
    session.add_all(products)
    session.flush()
    session.add_all(variants)
    session.add_all(images)

    reviews = _reviews(rng, products, users)
    session.add_all(reviews)
    session.add_all(_coupons())
    session.flush()

    counts.update(
        users=len(users),
        brands=len(brands),
        categories=len(categories),
        products=len(products),
        variants=len(variants),
        images=len(images),
        reviews=len(reviews),
    )
    return counts


def _users(rng: random.Random) -> list[User]:
    users = [
        User(
            id=_id("user", a.email),
            email=a.email,
            password_hash=hash_password(a.password),
            phone=a.phone,
            first_name=a.first_name,
            last_name=a.last_name,
            role=a.role,
            email_verified=True,
            phone_verified=True,
            created_at=ANCHOR - timedelta(days=300),
        )
        for a in DEMO_ACCOUNTS
    ]
    firsts = ("Mia", "Noah", "Ava", "Liam", "Zoe", "Omar", "Ines", "Kai", "Lena", "Ravi", "Yuki", "Theo")
    lasts = ("Garcia", "Okafor", "Nguyen", "Schmidt", "Rossi", "Kowalski", "Haddad", "Silva")
    for n in range(24):
        first, last = firsts[n % len(firsts)], lasts[(n * 5) % len(lasts)]
        email = f"{first.lower()}.{last.lower()}{n}@example.com"
        users.append(
            User(
                id=_id("user", email),
                email=email,
                first_name=first,
                last_name=last,
                created_at=ANCHOR - timedelta(days=rng.randrange(20, 300)),
            )
        )
    return users


def _product(rng, index, kind, category, brand, status, used_slugs, write_images):
    noun = kind.nouns[rng.randrange(len(kind.nouns))]
    name = f"{ADJECTIVES[rng.randrange(len(ADJECTIVES))]} {MATERIALS[rng.randrange(len(MATERIALS))]} {noun}"
    slug = base = slugify(name)
    n = 2
    while slug in used_slugs:
        slug, n = f"{base}-{n}", n + 1
    used_slugs.add(slug)

    low, high = kind.price
    price = _money(rng.randrange(low, high + 1) - (0.01 if rng.random() < 0.5 else 0))
    compare = _money(float(price) * rng.choice((1.2, 1.25, 1.3, 1.4))) if rng.random() < 0.22 else None
    colours = rng.sample(COLOURS, k=rng.choice((1, 1, 2, 2, 3)))
    sizes = list(kind.sizes)
    if len(sizes) > 1:
        start = rng.randrange(0, max(1, len(sizes) - 2))
        sizes = sizes[start : start + rng.choice((2, 3, 4))]
    combos = [(c, s) for c in colours for s in sizes][: rng.randint(1, 6)]
    # only the colours a variant sells: the pictures, the description and its meta say no more
    colours = [c for c in colours if any(colour == c for colour, _ in combos)]
    created = ANCHOR - timedelta(days=rng.randrange(0, 240), minutes=rng.randrange(0, 1440))
    product_id = _id("product", slug)
    sold_out = rng.random() < 0.04
    sku_base = f"MQ-{index + 1:05d}"

    variants = []
    for v, (colour, size) in enumerate(combos):
        roll = rng.random()
        stock = 0 if sold_out or roll < 0.08 else rng.randint(1, 4) if roll < 0.2 else rng.randint(5, 120)
        bump = (
            _money(rng.choice((2, 3, 5)))
            if size in ("XL", "12", "30 L", "60 L", "1 L", "3P", "Queen", "Large") and rng.random() < 0.5
            else None
        )
        variants.append(
            ProductVariant(
                id=_id("variant", slug, v),
                product_id=product_id,
                sku=f"{sku_base}-{slugify(colour)[:3].upper()}-{slugify(size).upper()}",
                name=f"{colour} / {size}",
                price=(price + bump) if bump else None,
                inventory_quantity=stock,
                attributes={"size": size, "color": colour},
                sort_order=v,
                created_at=created,
            )
        )

    images = []
    for i, colour in enumerate(colours[:3]):
        filename = f"{slug}-{i + 1}.svg"
        svg = product_svg(kind.shape, colour, angle=(-6, 0, 6)[i % 3], label=f"{name} in {colour}")
        url = write_product_image(filename, svg) if write_images else f"/products/{filename}"
        images.append(
            ProductImage(
                id=_id("image", slug, i),
                product_id=product_id,
                url=url,
                alt_text=f"{name} in {colour}",
                sort_order=i,
                created_at=created,
            )
        )

    material = name.split(" ", 1)[1].rsplit(" ", 1)[0]
    description = (
        f"The {name} by {brand.name} is cut from {material.lower()} and made to be worn, used and "
        f"loved for years. Available in {', '.join(colours)}. {brand.description}"
    )
    product = Product(
        id=product_id,
        name=name,
        slug=slug,
        sku=sku_base,
        description=description,
        short_description=f"{material} {noun.lower()} by {brand.name}.",
        price=price,
        compare_price=compare,
        cost_price=_money(float(price) * 0.45),
        inventory_quantity=sum(v.inventory_quantity for v in variants),
        category_id=category.id,
        brand_id=brand.id,
        status=status,
        featured=status == ProductStatus.active and rng.random() < 0.08,
        meta_title=f"{name} | {brand.name} | Marque",
        meta_description=f"Shop the {name} by {brand.name}: {material.lower()}, in {len(colours)} colour"
        f"{'s' if len(colours) > 1 else ''}. Free shipping over $75.",
        weight=_money(rng.uniform(0.1, 3.0)),
        published_at=created if status == ProductStatus.active else None,
        created_at=created,
        updated_at=created,
    )
    return product, variants, images


def _reviews(rng, products, users) -> list[ProductReview]:
    reviews = []
    reviewers = [u for u in users if u.role == UserRole.customer]
    for product in products:
        if product.status != ProductStatus.active or rng.random() < 0.3:
            continue
        ratings = []
        for r in range(rng.randint(1, 8)):
            rating = rng.choices((5, 4, 3, 2, 1), weights=(45, 30, 13, 7, 5))[0]
            status = "approved" if rng.random() < 0.9 else "pending"
            title = rng.choice(REVIEW_LINES[rating])
            reviews.append(
                ProductReview(
                    id=_id("review", product.slug, r),
                    product_id=product.id,
                    user_id=reviewers[rng.randrange(len(reviewers))].id,
                    rating=rating,
                    title=title,
                    content=f"{title}. {rng.choice(REVIEW_LINES[rating])}",
                    status=status,
                    verified_purchase=rng.random() < 0.7,
                    helpful_count=rng.randint(0, 12),
                    created_at=product.created_at + timedelta(days=rng.randint(3, 60)),
                )
            )
            if status == "approved":
                ratings.append(rating)
        if ratings:
            product.review_count = len(ratings)
            product.rating_average = (Decimal(sum(ratings)) / len(ratings)).quantize(Decimal("0.01"))
    return reviews


def _coupons() -> list[Coupon]:
    start = ANCHOR - timedelta(days=30)
    return [
        Coupon(
            id=_id("coupon", "WELCOME10"),
            code="WELCOME10",
            name="10% off your first order",
            type="percentage",
            value=Decimal("10"),
            maximum_discount_amount=Decimal("50"),
            usage_limit_per_customer=1,
            starts_at=start,
        ),
        Coupon(
            id=_id("coupon", "SAVE15"),
            code="SAVE15",
            name="$15 off orders over $100",
            type="fixed_amount",
            value=Decimal("15"),
            minimum_order_amount=Decimal("100"),
            usage_limit=500,
            usage_limit_per_customer=3,
            starts_at=start,
        ),
        Coupon(
            id=_id("coupon", "FREESHIP"),
            code="FREESHIP",
            name="Free shipping",
            type="free_shipping",
            value=Decimal("0"),
            usage_limit_per_customer=None,
            starts_at=start,
        ),
    ]


def product_count(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(Product)).one()


def table_counts(*, session: Session) -> dict[str, int]:
    """Rows per catalog table (for the CLI and tests)."""
    out = {}
    for model in (Category, Brand, Product, ProductVariant, ProductImage, ProductReview, User):
        out[model.__tablename__] = session.exec(select(func.count()).select_from(model)).one()
    return out


__all__ = ["DEMO_ACCOUNTS", "is_empty", "load_demo", "table_counts"]
