"""Full-text product search, did-you-mean and search-as-you-type suggestions.

PostgreSQL: the seed's GIN index ``idx_products_search`` over
``to_tsvector('english', name || ' ' || coalesce(description, ''))`` finds the matches (the query
spells exactly that expression, so the planner uses the index); the shopper's text only ever
reaches ``websearch_to_tsquery``/``plainto_tsquery``, never a hand-built tsquery. Brands and
categories whose name matches are looked up first in their small tables and OR-ed in by
``brand_id``/``category_id`` (btree indexes), with a rank boost. Ranking a common word over
tens of thousands of matches is what makes full-text search slow (``ts_rank`` rebuilds each
row's tsvector), so only the first ``RANK_WINDOW`` matches are ranked: below that every match is
ranked and the total is exact; above it the total reads "1,000+" (``total_is_capped``).
Did-you-mean looks each word up in ``search_terms`` (words of product, brand and category names)
with pg_trgm.

SQLite: the FTS5 table ``products_fts`` (name, description, brand, category; porter stemming),
ranked by ``bm25()``; every word of the query becomes a quoted FTS5 string, so no operator
typed by the shopper is ever interpreted. Did-you-mean: the FTS5 vocabulary of the index
(``products_fts_terms``), bounded by word length, compared with ``difflib``.

Both are created and kept in sync (triggers) by migration 0002.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import uuid
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from sqlmodel import Session, select

from marque_app import routes
from marque_app.domain.search_words import query_variants
from marque_app.models import Brand, Category, Product
from marque_app.services.catalog import ProductCard, product_cards

#: The longest search text accepted; a longer one is refused with a message.
MAX_QUERY_LENGTH = 200
#: The most words of a query that are searched (the rest are ignored).
MAX_TERMS = 12
MAX_PER_PAGE = 100
#: PostgreSQL ranks at most this many matches (see the module's docstring).
RANK_WINDOW = 1000
#: Did-you-mean is offered when a search finds fewer products than this.
FEW_RESULTS = 3
#: Suggestions need at least this many letters or digits.
MIN_PREFIX = 2

TOO_LONG = f"The search text is too long: use at most {MAX_QUERY_LENGTH} characters."

# Letters and digits of any script: punctuation, symbols, emoji and FTS/tsquery operators
# separate words and are otherwise dropped.
_WORD = re.compile(r"[^\W_]+")
# The expression of the seed's GIN index, written so that PostgreSQL sees the same expression.
_TSV = "to_tsvector('english', p.name || ' ' || coalesce(p.description, ''))"


# --------------------------------------------------------------------------------------------
# Public schemas


@dataclass(frozen=True)
class SearchPage:
    """One page of search results."""

    products: list[ProductCard] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 24
    pages: int = 0
    query: str = ""  # the cleaned query that was searched
    did_you_mean: str = ""  # a query that finds more, "" when none
    # The shopper's query when it found nothing and one spelling of it clearly did: the page
    # shows the results of ``query`` ("Showing results for jackets") and this one's link.
    corrected_from: str = ""
    error: str = ""  # why the query was refused (too long); nothing was searched
    total_is_capped: bool = False  # more than ``total`` matches: show "1,000+"


@dataclass(frozen=True)
class Suggestion:
    """One entry of the header's search-as-you-type list."""

    kind: str = "product"  # "product", "brand" or "category"
    label: str = ""
    slug: str = ""
    url: str = ""
    detail: str = ""  # the brand of a product; "Brand" / "Category"


# --------------------------------------------------------------------------------------------
# Input


def clean_query(raw: str | None) -> tuple[str, str]:
    """The query as it will be searched (control characters removed, spaces collapsed), and an
    error message when it is refused ("" otherwise)."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") else ch for ch in raw or "")
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_LENGTH:
        return "", TOO_LONG
    return text, ""


def query_words(text: str) -> list[str]:
    """The words of ``text`` that are searched: letters and digits, lower-cased, at most
    ``MAX_TERMS``."""
    return [w.lower() for w in _WORD.findall(text)][:MAX_TERMS]


def fts5_match(words: list[str], *, prefix: bool = False) -> str:
    """An FTS5 MATCH expression: every word a quoted string (implicit AND); the last one a
    prefix when ``prefix``. Quoting keeps ``AND``/``NEAR``/``*``/``:`` typed by the shopper
    literal."""
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    if prefix and quoted:
        quoted[-1] += "*"
    return " ".join(quoted)


def fts5_match_any(words: list[str]) -> str:
    """An FTS5 MATCH expression for the query and its synonym variants
    (:func:`marque_app.domain.search_words.query_variants`): every word of one of them."""
    variants = query_variants(words)
    if len(variants) == 1:
        return fts5_match(words)
    return " OR ".join(f"({fts5_match(variant)})" for variant in variants)


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --------------------------------------------------------------------------------------------
# Search


def search(*, session: Session, query: str, page: int = 1, per_page: int = 24, correct: bool = True) -> SearchPage:
    """Active products matching ``query`` in their name, description, brand or category, best
    first. A word also matches its synonyms (:mod:`marque_app.domain.search_words`). When the
    query finds nothing and its did-you-mean spelling finds products, that spelling's results
    are given (``corrected_from`` is the query typed), unless ``correct`` is False.

    Args:
        session: An open database session.
        query: The shopper's text, as typed (any length, any characters).
        page: The page, from 1; a page past the end gives no products and the real total.
        per_page: Products per page (1 to ``MAX_PER_PAGE``).
        correct: Whether a query that finds nothing may be answered with its correction.

    Returns:
        The page of product cards with the total, the page count, the query as searched, a
        did-you-mean suggestion when little matched, and an error for a refused query.
    """
    page = max(int(page), 1)
    per_page = min(max(int(per_page), 1), MAX_PER_PAGE)
    text, error = clean_query(query)
    words = query_words(text)
    if error or not words:
        return SearchPage(page=page, per_page=per_page, query=text, error=error)

    if _is_postgresql(session):
        ids, total, capped = _pg_search(session, text, words, offset=(page - 1) * per_page, limit=per_page)
    else:
        ids, total = _sqlite_search(session, words, offset=(page - 1) * per_page, limit=per_page)
        capped = False
    suggestion = did_you_mean(session=session, query=text) if total < FEW_RESULTS else ""
    if correct and total == 0 and suggestion:
        # nothing found, and the one correction finds products: show its results
        corrected = search(session=session, query=suggestion, page=page, per_page=per_page, correct=False)
        if corrected.total:
            return replace(corrected, corrected_from=text, did_you_mean="")
    rows = {p.id: p for p in session.exec(select(Product).where(Product.id.in_(ids))).all()}
    products = product_cards(session, [rows[i] for i in ids if i in rows])
    return SearchPage(
        products=products,
        total=total,
        page=page,
        per_page=per_page,
        pages=-(-total // per_page),
        query=text,
        did_you_mean=suggestion,
        total_is_capped=capped,
    )


def _matching_ids(session: Session, model, words: list[str], text: str, pg: bool) -> list:
    """Ids of the active brands or categories whose name matches the whole query."""
    condition: sa.ColumnElement[bool] | sa.TextClause
    if pg:
        condition = sa.text("to_tsvector('english', name) @@ websearch_to_tsquery('english', :q)").bindparams(q=text)
    else:
        condition = _name_starts(model, words)
    return list(session.exec(select(model.id).where(model.is_active == sa.true(), condition)).all())


def _pg_tsquery(text: str, words: list[str], params: dict) -> str:
    """The query's tsquery: the text as typed (websearch syntax), OR each synonym variant
    (plain words, bound as parameters: never a hand-built tsquery)."""
    parts = ["websearch_to_tsquery('english', :q)"]
    for n, variant in enumerate(query_variants(words)[1:]):
        params[f"v{n}"] = " ".join(variant)
        parts.append(f"plainto_tsquery('english', :v{n})")
    return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


def _pg_search(
    session: Session, text: str, words: list[str], *, offset: int, limit: int
) -> tuple[list[uuid.UUID], int, bool]:
    brand_ids = _matching_ids(session, Brand, [], text, True)
    category_ids = _matching_ids(session, Category, [], text, True)
    params: dict = {"q": text, "window": RANK_WINDOW, "offset": offset, "limit": limit}
    tsquery = _pg_tsquery(text, words, params)
    match = [f"{_TSV} @@ {tsquery}"]
    boost = []
    if brand_ids:
        match.append("p.brand_id = ANY(:brand_ids)")
        boost.append("CASE WHEN h.brand_id = ANY(:brand_ids) THEN 0.2 ELSE 0 END")
        params["brand_ids"] = brand_ids
    if category_ids:
        match.append("p.category_id = ANY(:category_ids)")
        boost.append("CASE WHEN h.category_id = ANY(:category_ids) THEN 0.1 ELSE 0 END")
        params["category_ids"] = category_ids
    # ts_rank over the name only: a name hit ranks above a description-only one, and the
    # tsvector of a short name is cheap to build for every match in the window.
    rank = " + ".join([f"ts_rank(to_tsvector('english', h.name), (SELECT {tsquery}))", *boost])
    hits = f"""
        WITH hits AS (
            SELECT p.id, p.name, p.brand_id, p.category_id, p.featured, p.rating_average
            FROM products AS p
            WHERE p.status = 'active' AND ({" OR ".join(match)})
            LIMIT :window
        )
    """
    page_sql = f"""{hits}
        SELECT h.id, count(*) OVER () AS total
        FROM hits AS h
        ORDER BY {rank} DESC, h.featured DESC, h.rating_average DESC, h.name, h.id
        LIMIT :limit OFFSET :offset
    """
    stmt = _with_arrays(sa.text(page_sql).columns(sa.column("id", sa.Uuid), sa.column("total", sa.Integer)), params)
    rows = session.execute(stmt, params).all()
    if rows:
        total = rows[0].total
    elif offset:  # a page past the end: count the window alone
        count = _with_arrays(sa.text(f"{hits} SELECT count(*) FROM hits"), params)
        total = session.execute(count, params).scalar_one()
    else:
        total = 0
    return [r.id for r in rows], total, total >= RANK_WINDOW


def _with_arrays(stmt: sa.TextClause, params: dict) -> sa.TextClause:
    arrays = [sa.bindparam(k, type_=sa.ARRAY(sa.Uuid)) for k in ("brand_ids", "category_ids") if k in params]
    return stmt.bindparams(*arrays) if arrays else stmt


def _sqlite_search(session: Session, words: list[str], *, offset: int, limit: int) -> tuple[list[uuid.UUID], int]:
    # bm25 weights per column: product_id (unindexed), name, description, brand, category.
    stmt = sa.text(
        """
        SELECT r.id, count(*) OVER () AS total
        FROM (
            SELECT p.id, p.name, p.featured, p.rating_average,
                   bm25(products_fts, 0.0, 10.0, 1.0, 5.0, 3.0) AS rank
            FROM products_fts JOIN products AS p ON p.id = products_fts.product_id
            WHERE products_fts MATCH :match AND p.status = 'active'
        ) AS r
        ORDER BY r.rank, r.featured DESC, r.rating_average DESC, r.name, r.id
        LIMIT :limit OFFSET :offset
        """
    ).columns(sa.column("id", sa.Uuid), sa.column("total", sa.Integer))
    params = {"match": fts5_match_any(words), "limit": limit, "offset": offset}
    rows = session.execute(stmt, params).all()
    if rows:
        return [r.id for r in rows], rows[0].total
    if not offset:
        return [], 0
    total = session.execute(
        sa.text(
            "SELECT count(*) FROM products_fts JOIN products AS p ON p.id = products_fts.product_id "
            "WHERE products_fts MATCH :match AND p.status = 'active'"
        ),
        {"match": params["match"]},
    ).scalar_one()
    return [], total


def _name_starts(model, words: list[str]) -> sa.ColumnElement[bool]:
    """Every word starts a word of ``model.name`` (brands and categories: small tables)."""
    name = sa.func.lower(model.name)
    return sa.and_(
        *[
            sa.or_(
                name.like(_like(w) + "%", escape="\\"),
                name.like("% " + _like(w) + "%", escape="\\"),
                name.like("%-" + _like(w) + "%", escape="\\"),
            )
            for w in words
        ]
    )


def _like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --------------------------------------------------------------------------------------------
# Did you mean


def did_you_mean(*, session: Session, query: str) -> str:
    """A spelling of ``query`` that finds products, when one of its words looks misspelt.

    Each word unknown to the catalog's vocabulary is replaced by the closest known word; the
    result is offered only if it differs from the query and finds at least one active product.

    Args:
        session: An open database session.
        query: The shopper's text.

    Returns:
        The corrected query (lower case), or "" when there is nothing better to offer.
    """
    text, error = clean_query(query)
    words = query_words(text)
    if error or not words:
        return ""
    fixed = _pg_corrections(session, words) if _is_postgresql(session) else _sqlite_corrections(session, words)
    if fixed == words:
        return ""
    candidate = " ".join(fixed)
    if _pg_exists(session, candidate) if _is_postgresql(session) else _sqlite_exists(session, fixed):
        return candidate
    return ""


def _pg_corrections(session: Session, words: list[str]) -> list[str]:
    # Trigram candidates through the GIN index (a lower threshold than the default 0.3 catches
    # swapped letters in short words), then the closest by difflib, which weighs order.
    session.execute(sa.text("SET LOCAL pg_trgm.similarity_threshold = 0.2"))
    rows = session.execute(
        sa.text(
            """
            SELECT u.i, t.term
            FROM unnest(CAST(:words AS text[])) WITH ORDINALITY AS u(w, i)
            CROSS JOIN LATERAL (
                SELECT term FROM search_terms
                WHERE term % u.w
                ORDER BY similarity(term, u.w) DESC, term
                LIMIT 8
            ) AS t
            """
        ),
        {"words": words},
    ).all()
    candidates: dict[int, list[str]] = {}
    for i, term in rows:
        candidates.setdefault(i - 1, []).append(term)
    return [_closest(w, candidates.get(i, [])) for i, w in enumerate(words)]


def _closest(word: str, terms: list[str]) -> str:
    if word.isdigit() or len(word) < 3 or word in terms:
        return word
    match = difflib.get_close_matches(word, terms, n=1, cutoff=0.6)
    return match[0] if match else word


def _pg_exists(session: Session, text: str) -> bool:
    return session.execute(
        sa.text(
            f"SELECT EXISTS (SELECT 1 FROM products AS p WHERE p.status = 'active' "
            f"AND {_TSV} @@ websearch_to_tsquery('english', :q))"
        ),
        {"q": text},
    ).scalar_one()


def _sqlite_exists(session: Session, words: list[str]) -> bool:
    return (
        session.execute(
            sa.text(
                "SELECT 1 FROM products_fts JOIN products AS p ON p.id = products_fts.product_id "
                "WHERE products_fts MATCH :match AND p.status = 'active' LIMIT 1"
            ),
            {"match": fts5_match(words)},
        ).first()
        is not None
    )


def _sqlite_corrections(session: Session, words: list[str]) -> list[str]:
    fixed = []
    for word in words:
        if word.isdigit() or len(word) < 3 or _sqlite_exists(session, [word]):
            fixed.append(word)
            continue
        # The index's terms are porter stems ("candl"): compare against those of a similar
        # length, then show the word of a matching product that the stem came from.
        terms = (
            session.execute(
                sa.text("SELECT term FROM products_fts_terms WHERE length(term) BETWEEN :low AND :high LIMIT 20000"),
                {"low": max(len(word) - 3, 2), "high": len(word) + 2},
            )
            .scalars()
            .all()
        )
        stems = difflib.get_close_matches(word, terms, n=1, cutoff=0.7)
        fixed.append(_sqlite_word_for_stem(session, stems[0], word) if stems else word)
    return fixed


def _sqlite_word_for_stem(session: Session, stem: str, typed: str) -> str:
    row = session.execute(
        sa.text("SELECT name, brand, category, description FROM products_fts WHERE products_fts MATCH :match LIMIT 1"),
        {"match": fts5_match([stem])},
    ).first()
    words = {w.lower() for part in (row or ()) for w in _WORD.findall(part or "")}
    starting = [w for w in words if w.startswith(stem)]
    best = difflib.get_close_matches(typed, starting, n=1, cutoff=0)
    return best[0] if best else stem


# --------------------------------------------------------------------------------------------
# Suggestions


def suggest(*, session: Session, prefix: str, limit: int = 8) -> list[Suggestion]:
    """Search-as-you-type: brands and categories whose name has a word starting with the last
    word typed, then products matching the text with the last word as a prefix.

    Args:
        session: An open database session.
        prefix: What the shopper has typed so far.
        limit: The most suggestions in all (brands and categories take at most 2 each).

    Returns:
        The suggestions, brands and categories first; none for fewer than ``MIN_PREFIX``
        letters or digits or for a refused query.
    """
    text, error = clean_query(prefix)
    words = query_words(text)
    if error or not words or len("".join(words)) < MIN_PREFIX:
        return []
    out: list[Suggestion] = []
    matched: dict[str, list] = {}
    for model, kind, url in ((Brand, "brand", routes.brand_url), (Category, "category", routes.category_url)):
        found = session.exec(
            select(model.name, model.slug, model.id)
            .where(model.is_active == sa.true(), _name_starts(model, words))
            .order_by(model.name)
            .limit(2)
        ).all()
        out.extend(Suggestion(kind=kind, label=n, slug=s, url=url(s), detail=kind.capitalize()) for n, s, _ in found)
        matched[kind] = [i for _, _, i in found]
    room = max(limit - len(out), 0)
    if room:
        if _is_postgresql(session):
            rows = _pg_suggest(session, text, room, matched)
        else:
            rows = _sqlite_suggest(session, words, room)
        out.extend(
            Suggestion(kind="product", label=n, slug=s, url=routes.product_url(s), detail=b or "") for n, s, b in rows
        )
    return out[:limit]


# The shopper's words through plainto_tsquery, the last lexeme made a prefix (``'cott':*``):
# the tsquery text is PostgreSQL's own output, never the shopper's.
_PG_PREFIX = (
    "(SELECT CASE WHEN numnode(t) > 0 THEN (t::text || ':*')::tsquery END FROM plainto_tsquery('english', :q) AS t)"
)


def _pg_suggest(session: Session, text: str, limit: int, matched: dict[str, list]) -> list[tuple[str, str, str | None]]:
    # The first 100 matches by the index (or of the brands and categories suggested), the
    # name hits of those first.
    params: dict = {"q": text, "limit": limit}
    match = [f"{_TSV} @@ {_PG_PREFIX}"]
    if matched.get("brand"):
        match.append("p.brand_id = ANY(:brand_ids)")
        params["brand_ids"] = matched["brand"]
    if matched.get("category"):
        match.append("p.category_id = ANY(:category_ids)")
        params["category_ids"] = matched["category"]
    stmt = sa.text(
        f"""
        WITH hits AS (
            SELECT p.name, p.slug, p.brand_id, p.featured, p.rating_average
            FROM products AS p
            WHERE p.status = 'active' AND ({" OR ".join(match)})
            LIMIT 100
        )
        SELECT h.name, h.slug, b.name
        FROM hits AS h LEFT JOIN brands AS b ON b.id = h.brand_id
        ORDER BY coalesce(to_tsvector('english', h.name) @@ {_PG_PREFIX}, false) DESC,
                 h.featured DESC, h.rating_average DESC, h.name
        LIMIT :limit
        """
    )
    return [tuple(r) for r in session.execute(_with_arrays(stmt, params), params).all()]


def _sqlite_suggest(session: Session, words: list[str], limit: int) -> list[tuple[str, str, str | None]]:
    return [
        tuple(r)
        for r in session.execute(
            sa.text(
                """
                SELECT p.name, p.slug, b.name
                FROM products_fts
                JOIN products AS p ON p.id = products_fts.product_id
                LEFT JOIN brands AS b ON b.id = p.brand_id
                WHERE products_fts MATCH :match AND p.status = 'active'
                ORDER BY bm25(products_fts, 0.0, 10.0, 1.0, 5.0, 3.0), p.featured DESC, p.name
                LIMIT :limit
                """
            ),
            {"match": fts5_match(words, prefix=True), "limit": limit},
        ).all()
    ]


__all__ = [
    "MAX_QUERY_LENGTH",
    "SearchPage",
    "Suggestion",
    "clean_query",
    "did_you_mean",
    "fts5_match",
    "query_words",
    "search",
    "suggest",
]
