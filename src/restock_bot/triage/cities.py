"""Other names of well-known cities: general knowledge of how people name a city that a retailer list
names one way ("Kochi" / "Cochin", "Bengaluru" / "Bangalore" / "BLR", "부산" / "Busan" / "Pusan").

The index adds these names to a city whose name (or romanised name) it recognises. Cities not listed here
are found by the names the list gives them, their romanised forms and their suffix-less forms ("札幌市" ->
"札幌"). Only names that say the city and nothing else are here ("Kashi", "Doon", "Pondy", "Soul" are other
things too); a city's name inside a longer name ("Kovai Pazhamudir Nilayam") is read as part of that name.
"""

from __future__ import annotations

from restock_bot.triage.text import key

_GROUPS: tuple[tuple[str, ...], ...] = (
    # India: the older English names, the local names and the short forms people type
    ("Mumbai", "Bombay"),
    ("Chennai", "Madras"),
    ("Kolkata", "Calcutta"),
    ("Bengaluru", "Bangalore", "Bengalooru", "BLR"),
    ("Mysuru", "Mysore"),
    ("Mangaluru", "Mangalore"),
    ("Hubballi", "Hubli", "Hubballi-Dharwad", "Hubli-Dharwad"),
    ("Belagavi", "Belgaum"),
    ("Kalaburagi", "Gulbarga"),
    ("Vijayapura", "Bijapur"),
    ("Shivamogga", "Shimoga"),
    ("Tumakuru", "Tumkur"),
    ("Ballari", "Bellary"),
    ("Kochi", "Cochin"),
    ("Thrissur", "Trichur"),
    ("Thiruvananthapuram", "Trivandrum", "TVM"),
    ("Kozhikode", "Calicut"),
    ("Kollam", "Quilon"),
    ("Alappuzha", "Alleppey"),
    ("Kannur", "Cannanore"),
    ("Coimbatore", "Kovai", "CBE"),
    ("Tiruchirappalli", "Trichy", "Tiruchi"),
    ("Thanjavur", "Tanjore"),
    ("Thoothukudi", "Tuticorin"),
    ("Puducherry", "Pondicherry"),
    ("Visakhapatnam", "Vizag", "Vishakhapatnam", "Vishakapatnam"),
    ("Vijayawada", "Bezawada"),
    ("Hyderabad", "HYD"),
    ("Pune", "Poona"),
    ("Vadodara", "Baroda"),
    ("Ahmedabad", "Amdavad"),
    ("Gurugram", "Gurgaon"),
    ("Prayagraj", "Allahabad"),
    ("Varanasi", "Banaras", "Benaras", "Benares"),
    ("Kanpur", "Cawnpore"),
    ("Bhubaneswar", "Bhubaneshwar", "BBSR"),
    ("Guwahati", "Gauhati"),
    ("Shimla", "Simla"),
    ("Jabalpur", "Jubbulpore"),
    ("Panaji", "Panjim"),
    ("Nashik", "Nasik"),
    ("Aurangabad", "Chhatrapati Sambhajinagar", "Sambhajinagar"),
    ("Delhi", "Dilli"),
    # Korea: the McCune-Reischauer spellings still seen in English
    ("Busan", "Pusan"),
    ("Incheon", "Inchon"),
    ("Daegu", "Taegu"),
    ("Gwangju", "Kwangju"),
    ("Daejeon", "Taejon", "Taejeon"),
    ("Jeju", "Cheju"),
    ("Jeonju", "Chonju"),
    ("Cheongju", "Chongju"),
    ("Gyeongju", "Kyongju"),
    # Japan: older romanisations
    ("Tokyo", "Tokio"),
    ("Kobe", "Kōbe"),
)

KNOWN_CITY_NAMES: dict[str, frozenset[str]] = {}
for _group in _GROUPS:
    _keys = frozenset(key(name) for name in _group)
    for _k in _keys:
        KNOWN_CITY_NAMES[_k] = _keys - {_k}


def other_names(city_key: str) -> frozenset[str]:
    """The other names (as keys) of the city whose key is `city_key`; empty for a city not known here."""
    return KNOWN_CITY_NAMES.get(city_key, frozenset())
