"""Product pictures for the demo catalog, drawn locally as SVG (no links to other sites).

Each picture is a product silhouette of its kind (tee, hoodie, sneaker, mug, ...) in the
product's colour on a soft studio background, so the demo shop looks like a shop.
"""

from __future__ import annotations

from pathlib import Path

from marque_app.domain.colours import colour_hex
from marque_app.settings import PROJECT_ROOT

PRODUCT_IMAGE_DIR = PROJECT_ROOT / "assets" / "products"
PRODUCT_IMAGE_URL = "/products"

# Silhouettes on a 600x600 canvas, the object roughly centred in 120..480.
SHAPES: dict[str, str] = {
    "tee": "M210 150 L255 130 Q300 165 345 130 L390 150 L470 215 L430 275 L395 250 L395 470 "
    "L205 470 L205 250 L170 275 L130 215 Z",
    "hoodie": "M215 160 Q300 80 385 160 L465 235 L435 300 L405 275 L405 475 L195 475 L195 275 "
    "L165 300 L135 235 Z M255 170 Q300 235 345 170 Q300 130 255 170 Z",
    "jacket": "M205 145 L260 125 L300 200 L340 125 L395 145 L470 250 L440 300 L410 270 "
    "L410 480 L190 480 L190 270 L160 300 L130 250 Z",
    "sneaker": "M120 390 Q125 330 170 315 L250 290 Q300 240 340 250 L360 300 Q420 320 470 345 "
    "Q495 365 485 405 L480 420 L125 420 Z",
    "boot": "M200 160 L330 160 L335 330 Q420 345 455 380 Q470 400 465 430 L195 430 Z",
    "sandal": "M140 380 Q140 330 200 320 L420 320 Q470 330 470 380 Q470 410 420 415 L190 415 "
    "Q140 410 140 380 Z M220 320 Q300 230 380 320 L360 320 Q300 260 240 320 Z",
    "backpack": "M215 190 Q215 130 300 130 Q385 130 385 190 L400 450 Q400 475 375 475 L225 475 "
    "Q200 475 200 450 Z M240 330 L360 330 L360 430 L240 430 Z",
    "tote": "M170 250 L430 250 L405 470 L195 470 Z M230 250 Q230 150 300 150 Q370 150 370 250 "
    "L350 250 Q350 170 300 170 Q250 170 250 250 Z",
    "duffel": "M140 300 Q140 250 200 250 L400 250 Q460 250 460 300 L460 420 L140 420 Z M240 250 "
    "Q240 190 300 190 Q360 190 360 250 L345 250 Q345 205 300 205 Q255 205 255 250 Z",
    "cap": "M170 360 Q170 220 300 215 Q430 220 430 360 Z M400 350 Q470 350 500 380 L420 385 Z",
    "scarf": "M220 140 L380 140 L380 200 Q300 230 220 200 Z M240 200 L300 215 L290 470 L230 470 Z "
    "M300 215 L360 200 L370 430 L310 430 Z",
    "sunglasses": "M140 270 L460 270 L455 300 L430 300 Q420 360 360 360 Q310 360 305 300 L295 300 "
    "Q290 360 240 360 Q180 360 170 300 L145 300 Z",
    "mug": "M190 200 L380 200 L370 440 Q365 460 345 460 L225 460 Q205 460 200 440 Z M380 250 "
    "Q450 250 450 320 Q450 390 375 390 L377 365 Q425 365 425 320 Q425 275 380 275 Z",
    "candle": "M210 230 L390 230 L390 460 L210 460 Z M292 230 L292 200 L308 200 L308 230 Z "
    "M300 195 Q285 170 300 140 Q315 170 300 195 Z",
    "blanket": "M150 200 L450 200 L450 440 L150 440 Z M150 260 L450 260 L450 280 L150 280 Z "
    "M150 360 L450 360 L450 380 L150 380 Z",
    "bottle": "M265 130 L335 130 L335 175 Q375 200 375 250 L375 455 Q375 475 355 475 L245 475 "
    "Q225 475 225 455 L225 250 Q225 200 265 175 Z",
    "tent": "M300 150 L480 450 L120 450 Z M300 250 L350 450 L250 450 Z",
    "mat": "M160 230 L440 230 L440 400 L160 400 Z M440 230 Q490 230 490 315 Q490 400 440 400 Z",
}


def _tint(hex_colour: str, amount: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(c + (255 - c) * amount) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def product_svg(shape: str, colour: str, *, angle: int = 0, label: str = "") -> str:
    """An SVG picture of a product of ``shape`` in ``colour`` (a named colour)."""
    fill = colour_hex(colour)
    bg_top, bg_bottom = _tint(fill, 0.88), _tint(fill, 0.72)
    outline = "#00000022" if colour not in ("White", "Cream", "Natural") else "#0000003a"
    path = SHAPES[shape]
    title = f"<title>{label}</title>" if label else ""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 600" width="600" height="600">'
        f'{title}<defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{bg_top}"/><stop offset="1" stop-color="{bg_bottom}"/>'
        '</linearGradient><linearGradient id="shine" x1="0" y1="0" x2="1" y2="1">'
        '<stop offset="0" stop-color="#ffffff" stop-opacity="0.28"/>'
        '<stop offset="0.6" stop-color="#ffffff" stop-opacity="0"/></linearGradient></defs>'
        '<rect width="600" height="600" fill="url(#bg)"/>'
        '<ellipse cx="300" cy="492" rx="190" ry="22" fill="#000000" opacity="0.10"/>'
        f'<g transform="rotate({angle} 300 300)">'
        f'<path d="{path}" fill="{fill}" fill-rule="evenodd" stroke="{outline}" stroke-width="4" '
        'stroke-linejoin="round"/>'
        f'<path d="{path}" fill="url(#shine)" fill-rule="evenodd"/></g></svg>'
    )


def write_product_image(filename: str, svg: str, directory: Path = PRODUCT_IMAGE_DIR) -> str:
    """Write ``svg`` under ``assets/products/`` (only when it changed) and return its URL."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / filename
    if not target.exists() or target.read_text() != svg:
        target.write_text(svg)
    return f"{PRODUCT_IMAGE_URL}/{filename}"
