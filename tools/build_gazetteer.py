"""Build the generated gazetteer files from public sources.

Writes two package-data files next to the hand-curated ``gazetteer.tsv``
(which this script only reads):

* ``gazetteer_countries.tsv``: every country with its CLDR Arabic name
  (babel's ``Locale('ar').territories``) and English name.
* ``gazetteer_geonames.tsv``: the Syrian and Iraqi places of GeoNames
  (``geonames_middle_east.tsv``, CC BY 4.0), under their governorate.

Run from the repository root::

    python tools/build_gazetteer.py --geonames ../shared/data/gazetteer/geonames_middle_east.tsv
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
from pathlib import Path

import babel

from arsearch.extract.gazetteer import COLUMNS, Entry, Gazetteer, merge_rows, name_key, read_rows
from arsearch.text.normalize import normalize, strip_marks

DATA = Path(__file__).resolve().parent.parent / "arsearch" / "data"
DEFAULT_GEONAMES = Path("../shared/data/gazetteer/geonames_middle_east.tsv")

#: GeoNames admin1 code -> governorate id of the curated gazetteer.
ADMIN1 = {
    "SY": {
        "01": "sy-hasakah", "02": "sy-latakia", "03": "sy-quneitra", "04": "sy-raqqa",
        "05": "sy-suwayda", "06": "sy-daraa", "07": "sy-deir-ez-zor", "08": "sy-rif-dimashq",
        "09": "sy-aleppo", "10": "sy-hama", "11": "sy-homs", "12": "sy-idlib",
        "13": "sy-damascus", "14": "sy-tartus",
    },
    "IQ": {
        "01": "iq-anbar", "02": "iq-basra", "03": "iq-muthanna", "04": "iq-qadisiyah",
        "05": "iq-sulaymaniyah", "06": "iq-babil", "07": "iq-baghdad", "08": "iq-dohuk",
        "09": "iq-dhi-qar", "10": "iq-diyala", "11": "iq-erbil", "12": "iq-karbala",
        "13": "iq-kirkuk", "14": "iq-maysan", "15": "iq-nineveh", "16": "iq-wasit",
        "17": "iq-najaf", "18": "iq-salahuddin", "19": "iq-halabja",
    },
}

#: Place names that are also common Arabic words or personal names: kept,
#: but only as context aliases (matched after مدينة, بلدة, قرية …).
#: Chosen from the most frequent GeoNames names in the news corpora.
COMMON_WORDS = frozenset(normalize(w) for w in """
الباب الثوره ثوره المدينه الحي العلم الرياض بلد التل الدور السجن المزرعه الشجره
الكرامه المنصوره الحمراء الحمره الروضه السودا السوداء السوده جديده الزياره الناصره ناصره
ملح الجيزه الخالص خالص الزبير الحول الصوره القبو الحمزه العباسي الرفاعي القاسم الهاشميه
الاسكندريه الشاميه المسعده مسعده الشو كلك بركه جبا شين عوج بلبل بنان سبه حديده نوا نوى
كسب دبس دبز بنش حيش افس الحاضر الهادر الراعي الكريمه كريمه الدالي الداليه السعن عين
السلمان الحمزه الشرقاط الحضر العزيزيه الحي النعمانيه الصويره بدره الكوت كوت الجبايش
الرفاعي المدينه الهنديه المسيب القاسم الشطره الطواحين الريحانه ريحانه الحقلانيه
جوبان بك المشنف مشنف الغاريه انخل جاسم داعل بصير صماد الصنمين السبخه التبني السوسه
الجلاء الكسره الكسرا الصفصافه العريمه عجمي الحاجب بلبل التمانعه تمانعه الدانا السفيره
سفيره الغندوره الخفسه خفسه الزربه زربه المعبطلي قباسين نبل مارع شران راجو القحطانيه
مرقده مركده عريشه العريشه العمارة العماره الامام القريا حسيه حسيا حديده الحواش حواش
الغنطو القصير شطحه السقيلبيه الزيتيه الغانيه الغسانيه الكرمه ايوبيه ايو
سلوق سلوك معدان معدن جديد جنيه الجرنيه جرنيه الكرامه المنصوره الطبقه المزيرعه مزيرعه
الفاخوره ربيعه كبليه الحفه الهنادي هنادي البهلوليه قرداحه الحسنه الميمونه الكحلاء
الحمزه الشاميه الحلة الحله حله الدور بيجي بلد العوجه
الاشاره اشاره رقه قنوات صدد قاره ديانا الحراك كشفه الكشفه الضمير ضمير بحركه عريقه مهين
هيرو عتبه برقيه حرير زاويته تسيل صفصافه طواحين صبوره بحار خبات الحميديه حميديه البصيره
الرحيبه رحيبه القطيفه قطيفه الغزلانيه الديماس المليحه كسوه الكسوه المحموديه صفوان
""".split())

_ARABIC_NAME = re.compile("^[\u0621-\u063a\u0641-\u064a\u064b-\u0652\u0670 ]+$")
_ADMIN_PREFIX = re.compile("^(ناحية|قضاء|مركز|مركز قضاء|مركز ناحية) ")
_NEAR_KM = 30.0  # a GeoNames place this close to a curated one of the same name is a duplicate
_CITY_POPULATION = 50_000
_MIN_LETTERS = 3  # shorter names (without ال) are too often words


def main(argv: list[str] | None = None) -> int:
    """Write ``gazetteer_countries.tsv`` and ``gazetteer_geonames.tsv``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--geonames", type=Path, default=DEFAULT_GEONAMES)
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)
    curated = Gazetteer([*_curated_entries()])
    countries = build_countries()
    write(args.out / "gazetteer_countries.tsv", countries)
    places = build_geonames(args.geonames, curated)
    write(args.out / "gazetteer_geonames.tsv", places)
    print(f"{len(countries)} countries, {len(places)} GeoNames places", file=sys.stderr)
    return 0


def _curated_entries() -> list[Entry]:
    return merge_rows(read_rows(DATA / "gazetteer.tsv"))


def build_countries() -> list[dict[str, str]]:
    """One row per ISO country with its CLDR Arabic and English names."""
    arabic = babel.Locale("ar").territories
    english = babel.Locale("en").territories
    rows = []
    for code, name in sorted(arabic.items()):
        if not re.fullmatch("[A-Z]{2}", code) or code in {"EU", "EZ", "UN", "QO", "ZZ"}:
            continue
        aliases = []
        plain = strip_marks(name)
        if plain != name:
            aliases.append(plain)
        if " - " in name:  # الكونغو - كينشاسا: keep the whole name only
            aliases.append(name.replace(" - ", " "))
        rows.append(_row(
            id=code.lower(), kind="place", type="country", name_ar=name,
            name_en=english.get(code, ""), aliases="|".join(aliases),
        ))
    return rows


def build_geonames(path: Path, curated: Gazetteer) -> list[dict[str, str]]:
    """Syrian and Iraqi GeoNames places not already in the curated file."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for place in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            parent = ADMIN1.get(place["countrycode"], {}).get(place["admin1code"])
            if parent is None:
                continue
            names = _arabic_names(place["arabic_script_names"])
            if not names:
                continue
            lat, lon = float(place["latitude"]), float(place["longitude"])
            if _duplicate(names, lat, lon, curated):
                continue
            free = [n for n in names if not _is_common(n)]
            context = [n for n in names if _is_common(n)]
            population = int(place["population"] or 0)
            rows.append(_row(
                id=f"gn:{place['geonameid']}", kind="place",
                type="city" if population >= _CITY_POPULATION else "town",
                name_ar=(free or context)[0], name_en=place["name"], parent=parent,
                lat=f"{lat:.5f}", lon=f"{lon:.5f}",
                aliases="|".join(free[1:]), context_aliases="|".join(context),
            ))
    return rows


def _arabic_names(field: str) -> list[str]:
    """Arabic spellings only: Persian, Kurdish and Urdu letters rule a name out."""
    names: list[str] = []
    for name in field.split("|"):
        name = strip_marks(name.replace("\u200e", "")).strip().rstrip(".")
        if not name or not _ARABIC_NAME.match(name):
            continue
        for variant in (name, _ADMIN_PREFIX.sub("", name)):
            if variant not in names:
                names.append(variant)
    return names


def _is_common(name: str) -> bool:
    key = name_key(name)
    if len(key) != 1:
        return False
    word = key[0]
    bare = word[2:] if word.startswith("ال") else word
    return word in COMMON_WORDS or len(bare) < _MIN_LETTERS


def _duplicate(names: list[str], lat: float, lon: float, curated: Gazetteer) -> bool:
    for name in names:
        for entry in curated.resolve(name):
            if entry.kind != "place" or entry.type in {"country", "governorate", "region"}:
                continue
            if entry.lat is None or entry.lon is None:
                return True
            if _km(lat, lon, entry.lat, entry.lon) < _NEAR_KM:
                return True
    return False


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.hypot(dlat, dlon)


def _row(**fields: str) -> dict[str, str]:
    return {column: fields.get(column, "") for column in COLUMNS}


def write(path: Path, rows: list[dict[str, str]]) -> None:
    """Write rows as a gazetteer TSV with a header line."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("\t".join(COLUMNS) + "\n")
        for row in rows:
            handle.write("\t".join(row[c].replace("\t", " ") for c in COLUMNS) + "\n")


if __name__ == "__main__":
    sys.exit(main())
