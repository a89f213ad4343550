"""The brand's catalogue (`products.csv`): products, brands and the names people use for them."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

PRODUCT_COLUMNS = ("sku", "brand", "brand_aliases", "name", "aliases")


class CatalogueError(ValueError):
    """products.csv cannot be read; the message names the file, line and field."""


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    brand: str
    brand_aliases: tuple[str, ...]
    name: str
    aliases: tuple[str, ...]


def _split(raw: str | None) -> tuple[str, ...]:
    return tuple(a.strip() for a in (raw or "").split("|") if a.strip())


def load_products(path: str | Path) -> list[Product]:
    """Read products.csv; a bad line raises CatalogueError naming it (a catalogue is small and must be whole)."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot open ({exc.strerror})") from exc
    products: list[Product] = []
    seen: set[str] = set()
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in PRODUCT_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CatalogueError(f"{path}: missing column(s) {', '.join(missing)} in the header")
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if None in row or any(v is None for v in row.values()):
                raise CatalogueError(f"{where}: the number of values does not match the header")
            for col in ("sku", "brand", "name"):
                if not row[col].strip():
                    raise CatalogueError(f"{where}: {col}: empty")
            sku = row["sku"].strip()
            if sku in seen:
                raise CatalogueError(f"{where}: sku {sku} appears twice")
            seen.add(sku)
            products.append(Product(sku=sku, brand=row["brand"].strip(), brand_aliases=_split(row["brand_aliases"]),
                                    name=row["name"].strip(), aliases=_split(row["aliases"])))
    if not products:
        raise CatalogueError(f"{path}: no products")
    return products
