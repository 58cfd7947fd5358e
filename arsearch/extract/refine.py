"""Turn the raw mentions of one article into the actors and places it is about.

The gazetteer matcher and the name tagger find spans; this module decides
what an archivist sees of them (``refine``), in this order:

1. **Junk out.** A generic geographic word is not a place by itself
   (المدينة "the city", ريف alone): it names a place only with a name after
   it (ريف حمص). A discovered person whose every word is a common word
   (حراك سياسي داخلي) is a noun phrase, not a name, and so is one of a
   common noun and nationality adjectives («الناشط السوري»: a description),
   or of a rank only («اللفتنانت كولونيل»).
   A word is common when
   its form with the article ال is at least half as frequent in news as its
   bare form (الحراك/حراك, السياسي/سياسي); given names and surnames rarely
   take the article (أحمد, سعدو). The frequencies are the ranks of the
   60,000 words of the tagger's cluster table (``ner_clusters.tsv``, ANT news).
   A discovered place of one word is a common word when it is one by that
   test (مدينة متطورة), or, written with the article, when news writes its
   bare form more often (منطقة الجزاء, منطقة الشرق: جزاء, شرق): a place name
   takes its article nearly always (الرقة, الحديدة). A discovered place of
   one bare word in «ين» news never writes, whose stem is a frequent word, is
   a common noun in the dual («في كيسين», two bags). A discovered name that
   is the article alone («الـ» of «الـ"كيلو 16"») is no name, and a name
   after a word for a substance («مادة "تي إيه تي بي"») is a thing, no actor,
   and so is one after a word for a ship, with or without its nationality
   («السفينة الأميركية "يو إس إس ديكاتور"»).
   A discovered actor whose name opens with God's name («قول الله تعالى») is
   a formula, no actor (عبد الله, حزب الله hold it further on). A known place
   right after «شارع» is a street named after it («شارع صنعاء» in الحديدة),
   not the place («شوارع صنعاء», the city's streets, stay).
   A discovered word with tanween is an indefinite adjective («كون الحي
   سكنياً»), the preposition «على» is no علي, and a discovered actor that is a
   known group's adjective without the article («وقيادي حوثي آخر» beside
   «ميليشيا الحوثي») is no name, nor is a quoted word an indefinite adjective
   follows («"اوتوستراد" جديد»). «البحرين» before a sea's name is two seas
   («بالبحرين المتوسط والأحمر»), not Bahrain.
2. **Types from evidence.** A discovered name that opens with a head noun,
   or follows one without the article (صحيفة هآرتس, not «الشركة هورست
   نيومان»), takes that noun's type: كتائب/لواء/فصيل/جبهة/سرايا → armed group,
   شركة → company, قناة/وكالة/صحيفة/موقع → media, حزب → party (``HEAD_TYPES``),
   whatever the tagger guessed (كتائب عز الدين القسام is no person). A
   discovered name the tagger typed two ways in one article takes the type
   most of its mentions have (a person once tagged as an organisation). A
   discovered name a place word gives as a place (مدينة درنة) is that place
   wherever the tagger took it for an actor («حررت درنة»), and so is one
   named as a discovered place without the generic word it opens with
   («ميفو دوتان» beside «مستوطنة ميفو دوتان»).
3. **Names as written.** A discovered entity is shown in the form the article
   writes it most often, clitics removed, hamza and teh marbuta kept
   (أحمد مظهر سعدو, not احمد مظهر سعدو); its id keeps the folded form,
   which is what filters match. Gazetteer entities keep their canonical name.
   A word that introduces a name (يدعى, المدعو) is not part of it, nor is
   «ركن» or «الركن» after a rank («العقيد الركن تركي المالكي»). Two
   discovered places one space apart, the second bare, are one name the
   tagger cut («وراس لانوف»);
   a discovered place the tagger ran into the next one behind «بـ» and a
   place word is two places («أوستن بولاية تكساس»). A dual or plural nisba
   ends no place's name («والسدرة النفطيين» is السدرة).
4. **Coreference.** A discovered actor named by a unique part of a longer
   name the article also gives (سعدو for أحمد مظهر سعدو, also behind a
   preposition: لأبوصلاح for بلال أبوصلاح) is that actor, and so is one named
   by a unique part of a known person's name as the article writes it in full
   (الصدر for «مقتدى الصدر»), and one named as a known organisation the
   article names is, without its head noun («مباراة برشلونة» beside «نادي
   برشلونة»); so is a name in brackets right after an actor's name
   (الريامي (أبو حيدر): his kunya). A known place written as the
   name of the place it lies in is that place (the city درعا, GeoNames'
   «أذرعات», is listed as درعا). In a story from Yemen (the Houthis named, no
   place in Syria or Iraq), Iran's militias are the Houthis. A group's alias
   or name never stands for a person of the article («ميليشيات الحوثي»,
   «القيادي الحوثي» are no عبد الملك الحوثي). «المنظمة الدولية» beside the
   United Nations is the United Nations; a known region named bare beside one
   known part of it is that part (الغوطة beside الغوطة الشرقية); two
   discovered places spelled a long vowel apart are one (تورنتو, تورونتو).
   A known place right before «في» and a country it does not lie in is a
   namesake there («بمحافظة الإسكندرية في مصر» is no Iraqi الإسكندرية).
5. **Outlets are not actors.** A news outlet (``sources.txt``, or a discovered
   media name) is dropped from the actors when it is the article's own source
   or is named as the source of a statement (لـ"الحل نت", لمنصة SY24,
   بحسب وكالة …); an outlet the news is about stays. An outlet named once as
   the informant is the informant wherever the article names it (وكالة الأنباء
   السعودية واس), and so is one that obtained what the article reports
   («شريط حصلت عليه وكالة فرانس برس»). Such an outlet is returned as a
   mention of kind ``"source"``, which is no facet: the text still names it.
   A social platform (type ``platform``: تويتر, فيسبوك) is no actor when it
   is only the medium of what is said (على تويتر, عبر فيسبوك, بتويتر, «على
   تطبيق تليغرام», «بموقع التواصل الاجتماعي تويتر»). A discovered place after
   «وكالة أنباء» is the agency («وكالة أنباء الأناضول»), an outlet.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from functools import lru_cache

from arsearch.data import data_lines
from arsearch.extract.gazetteer import Gazetteer, clitic_variants
from arsearch.models import DISCOVERED, Mention, discovered_id, id_name
from arsearch.text.normalize import normalize, strip_marks, strip_obfuscation

#: Generic geographic words (normalized, without the article): not a place alone.
GENERIC_PLACES = frozenset(normalize(w) for w in """
مدينة مدينتي بلدة بلدتي قرية قريتي ناحية قضاء محافظة حي ريف ريفي منطقة منطقتي مناطق
مستوطنة مستوطنات مستعمرة
مخيم سجن جبل نهر وادي سد حقل مطار معبر عاصمة مدن قرى بلدات محافظات أرياف مركز
ريفين ضواحي ضاحية أطراف دار شمال جنوب شرق غرب شمالي جنوبي شرقي غربي وسط
ولاية ولايات بلاد دولة إقليم ساحل حدود
""".split())
#: Possessive pronouns a generic word may carry (بلاده "his country", مدينتهم).
_POSSESSIVES = tuple(normalize(w) for w in "هما هم ها ه نا كم".split())
#: Words before a name that make it a destination, a place (باتجاه خميس مشيط).
TOWARDS = frozenset(normalize(w) for w in "باتجاه اتجاه نحو صوب".split())

#: Directions without the article: they end no name (الخوخة جنوبي).
DIRECTIONS = frozenset(normalize(w) for w in """
شمال جنوب شرق غرب شمالي جنوبي شرقي غربي شمالية جنوبية شرقية غربية
""".split())
#: A preposition joined to a relative pronoun (لمن, to whoever; مما, of what):
#: a word of the sentence after a name («وتوجّه قرقاش لمن يسعى …»), never of it.
RELATIVES = frozenset(normalize(w) for w in """
لمن ممن عمن بمن فيمن لما مما عما بما فيما
""".split())
#: Definite participles that say where a place lies against another («جبل
#: الظهر المطل على …», «منطقة الطائف الملاصقة لمطار الحديدة»): an adjective
#: after the name, never a word of it.
ADJOINING = frozenset(normalize(w) for w in """
المطل المطلة الملاصق الملاصقة المحاذي المحاذية المتاخم المتاخمة المجاور المجاورة
""".split())
#: Endings of a nisba in the dual or the plural (النفطيين, النفطيتين, النفطيتان;
#: not «يان», which ends nouns too: البنيان).
_PLURAL_NISBA = ("يين", "يتين", "يتان")
#: Head nouns of names and the (kind, type) they give the name.
HEAD_TYPES: dict[str, tuple[str, str]] = {
    **{normalize(w): ("actor", "armed_group") for w in """
        كتائب كتيبة لواء ألوية فصيل جبهة سرايا تنظيم جماعة جيش فيلق تجمع""".split()},
    **{normalize(w): ("actor", "militia") for w in "ميليشيا ميليشيات مليشيا مليشيات".split()},
    **{normalize(w): ("actor", "company") for w in "شركة شركات مجموعة مصرف بنك".split()},
    **{normalize(w): ("actor", "media") for w in """
        قناة وكالة صحيفة جريدة موقع شبكة إذاعة تلفزيون مجلة منصة""".split()},
    **{normalize(w): ("actor", "party") for w in "حزب".split()},
    **{normalize(w): ("actor", "organization") for w in """
        حركة منظمة هيئة مجلس لجنة اتحاد جمعية مؤسسة مركز وزارة جامعة نقابة""".split()},
}

#: Words that introduce a name without being part of it (المدعو محمد, يدعى).
_INTRODUCERS = frozenset(normalize(w) for w in "المدعو المدعوة يدعى تدعى يدعي".split())
#: Military ranks: after one, «ركن» (staff, «العقيد ركن») is part of the rank,
#: not of the name after it (``_introduced``).
_RANKS = frozenset(normalize(w) for w in """
العقيد عقيد العميد عميد اللواء لواء المقدم مقدم الرائد رائد الفريق فريق
""".split())
_STAFF = normalize("ركن")
#: Words of a rank or a title (without the article), also as transcribed from
#: other armies («اللفتنانت كولونيل»): a name of these words only names no one.
_RANK_WORDS = frozenset(normalize(w) for w in """
عقيد عميد لواء مقدم رائد فريق ركن نقيب ملازم مشير رقيب عريف جنرال لفتنانت كولونيل
ميجور كابتن سرجنت أدميرال ادميرال أميرال اميرال ماريشال مارشال كوماندر أول اول ثاني
""".split())
#: The head noun of a club's name, which news leaves out («مباراة برشلونة»).
_CLUB = frozenset(normalize(w) for w in "نادي النادي".split())
#: Nouns of force that head a name as HEAD_TYPES do (قوات التحالف).
_FORCES = frozenset(normalize(w) for w in "قوات قوة عناصر مسلحي مقاتلي".split())
#: Words just before an outlet that make it the source of a statement
#: (the verbs also with an object pronoun: نقلته, ذكرته).
ATTRIBUTION = frozenset(normalize(w) for w in """
بحسب حسب وفق وفقا وفقاً نقلا نقلاً نقلت ذكرت قالت أفادت أوردت نشرت بثت أكدت أعلنت
عن مراسل لمراسل تقرير لتقرير كتبت كتب تحدثت
""".split())
#: Verbs just after an outlet that make it the source (سانا قالت …).
REPORTING = frozenset(normalize(w) for w in """
قالت ذكرت أفادت نقلت أعلنت أوردت نشرت بثت أكدت تقول تذكر
""".split())
#: «حصلت عليه» just before an outlet: it obtained what the article reports
#: (a recording, a document), its informant.
_OBTAINED = frozenset(normalize(w) for w in "حصلت حصل".split())
_OBTAINED_WHAT = frozenset(normalize(w) for w in "عليه عليها عليهما".split())
#: Words just before a social platform that make it the medium of a statement.
MEDIUM = frozenset(normalize(w) for w in "على عبر في من".split())
#: Words that may stand between MEDIUM (or «بـ») and a platform's name: «على
#: تطبيق تليغرام», «بموقع التواصل الاجتماعي تويتر».
_PLATFORM_WORDS = frozenset(normalize(w) for w in """
موقع مواقع تطبيق منصة شبكة التواصل الاجتماعي
""".split())
_PLATFORM_WORDS_MAX = 3
_PRONOUN_MAX = 2  # letters of an object pronoun after a verb (نقلته, ذكرتها)
_WORD_RE = re.compile(r"[\w\u0600-\u06ff]+")
_MARKS = re.compile("[\u0640\u064b-\u0652]")  # tatweel and short vowels, inside a word
_EDGE = " \t\n\"'“”„«»‘’()[]{}<>.,،؛;:!?؟#_-–—"
_ARTICLE = "ال"
_COMMON_RATIO = 2  # ال-form ranked within twice the bare form's rank: a common word
_MIN_SHORT = 3  # letters of a short form that may stand for a longer name
_PREPOSITIONS = "لب"  # attached to a short form the tagger found (لأبوصلاح)
#: Iran's militias, the countries they fight in, and the Houthis: in a story
#: from Yemen, Iran's militias are the Houthis (``_yemen_militias``).
IRAN_MILITIAS, HOUTHIS = "iran-militias", "houthis"
IRAN_MILITIAS_LANDS = frozenset({"sy", "iq"})
#: «وكالة أنباء» just before a discovered place: the name is the agency's
#: («وكالة أنباء الأناضول»), an outlet, not a place.
_AGENCY = (normalize("وكالة"), normalize("أنباء"))
#: Words for a substance or a weapon: a name right after one is a thing («مادة
#: "تي إيه تي بي" المتفجرة», «صواريخ "آر بي جي"»), no actor.
_SUBSTANCE = frozenset(normalize(w) for w in """
مادة المادة مادتي مواد المواد
صاروخ صواريخ قذيفة قذائف قاذفة قاذفات منظومة منظومات راجمة راجمات
""".split())
#: Words for a ship, definite and singular: a name right after one, or after
#: one and its nationality («السفينة الأميركية "يو إس إس ديكاتور"»), is the
#: ship's in apposition, no actor. Without the article the name is the owner
#: («سفينة غسان الإمام», his ship), so those forms are not here.
_VESSEL = frozenset(normalize(w) for w in """
السفينة المدمرة الفرقاطة البارجة الغواصة الحاملة الناقلة
""".split())
#: Words for a model or type of a machine: a name right after one is the type
#: («من طراز بوينغ 737», an aircraft of the Boeing type), a thing, no actor.
_MODEL = frozenset(normalize(w) for w in "طراز الطراز طرازات".split())
#: A nisba ending with tanween (ـياً, ـيٌ, ـيٍ): an indefinite adjective or
#: adverb («كون الحي سكنياً», «موقعاً عسكرياً»). Tanween alone is not enough: a
#: fully vowelled text writes it on names too («رأيت محمداً»).
_INDEFINITE_NISBA = ("يا\u064b", "ي\u064bا", "ي\u064b", "ي\u064c", "ي\u064d")
#: Tatweel and the short vowels, shadda and sukun, which may stand between (عسكريّاً).
_OTHER_MARKS = re.compile("[\u0640\u064e-\u0652]")
#: «البحرين» before a sea's name is the dual of البحر, two seas («بالبحرين
#: المتوسط والأحمر»), not Bahrain (``_two_seas``).
_TWO_SEAS = normalize("البحرين")
_SEA_NAMES = frozenset(normalize(w) for w in """
المتوسط الأحمر الأبيض الأسود العربي الميت الكاريبي
""".split())
#: Quote marks, and indefinite adjectives that qualify a common noun in quotes
#: right after its closing quote («"اوتوستراد" جديد»: ``_qualified_quote``).
_QUOTE_MARKS = frozenset("\"'“”„«»‘’")
_INDEFINITE_ADJ = frozenset(normalize(w) for w in """
جديد جديدة آخر أخرى كبير كبيرة صغير صغيرة ضخم ضخمة
""".split())
#: The preposition «على» ("on"), which folds to the name علي: written with
#: alef maqsura, it is the preposition, no name («على خلفية خلاف»).
_ALA = "على"
_IN = normalize("في")
#: Descriptive names of the United Nations, which an article that names it
#: uses for it again («بتفويض من المنظمة الدولية»).
_UN_DESCRIPTIONS = frozenset(normalize(w) for w in ("المنظمة الدولية", "المنظمة الأممية"))
UN = "un"
#: Adjectives of direction that name a part of a region (الغوطة الشرقية).
_REGION_PARTS = frozenset(normalize(w) for w in """
الشرقية الغربية الشمالية الجنوبية الشرقي الغربي الشمالي الجنوبي
""".split())
#: Long vowels that transcriptions of foreign names add or leave out
#: (تورنتو, تورونتو).
_LONG_VOWELS = "اوي"
_HAMZA = "ء"
_SKELETON_MIN = 4  # letters of a name without long vowels, for two spellings to be one
#: Types the name tagger gives by default (PERS, ORG, LOC): a head noun overrides them,
#: not the type a trigger word gave (ميليشيا «لواء …» stays a militia).
_GUESSED = frozenset({"person", "organization", "region"})

#: Oman's gazetteer id and the state whose capital, Amman, is written as Oman is.
_OMAN = "om"
_JORDAN = "jo"
#: Jordan named in an article (substrings: its name or its nationality).
_JORDAN_WORDS = ("الأردن", "الاردن", "أردني", "اردني")
#: Oman named as itself (substrings: the sultanate, its nationality, its capital).
_OMAN_WORDS = ("سلطنة", "سلطنه", "عماني", "مسقط")
_DAMMA = "\u064f"  # عُمان is Oman
_SHADDA = "\u0651"  # عمّان is Amman
_AMMAN = "amman"  # a context alias only: the matcher reads «عمان» as Oman
#: The last word of a compound given name (صلاح الدين, نور الدين), which a
#: place may be named after too (the governorate صلاح الدين).
_DIN = "الدين"
_CAPITAL_WORD = normalize("العاصمة")
#: God's name: a discovered actor it opens is a formula («قال الله تعالى»),
#: no actor; names that hold it further on (عبد الله, حزب الله) stay.
_GOD = normalize("الله")
#: «شارع» (a street) right before a known place: the street named after it
#: («شارع صنعاء» in الحديدة), not the place; «شوارع صنعاء» are the city's.
_STREET = normalize("شارع")
_FRONT = normalize("جبهة")
_IN_FRONT = frozenset(normalize(w) for w in ("في", "وفي"))
#: Words of membership or leadership: «أعضاء في جبهة …» are in a group.
_MEMBERS = frozenset(normalize(w) for w in """
عضو العضو عضوا أعضاء الأعضاء عضوية قيادي القيادي قياديا قياديون قياديين قيادة
زعيم رئيس مؤسس مؤسسي
""".split())
#: The ending of a dual or a masculine plural out of the nominative (ـين):
#: a discovered place of one bare word news never writes (no rank in the
#: table), whose stem is among the ``_DUAL_STEM_RANK`` most frequent words, is
#: a common noun in the dual («في كيسين», two bags), no place; a rare stem
#: keeps a name (عابدين: عابد is rarer than that).
_DUAL = "ين"
_DUAL_STEM_RANK = 20_000


def refine(text: str, mentions: list[Mention], gazetteer: Gazetteer,
           source: str | None = None) -> list[Mention]:
    """The article's actors and places as a reader should see them (module doc).

    ``mentions`` are those found in ``text``; ``source`` is the article's outlet.
    Dates and other mentions pass through unchanged.

    >>> from arsearch.models import Mention
    >>> found = [Mention("actor", "person", "new:actor:سعدو", "سعدو", "سعدو", 20, 24),
    ...          Mention("actor", "person", "new:actor:احمد مظهر سعدو", "احمد مظهر سعدو",
    ...                  "أحمد مظهر سعدو", 0, 14)]
    >>> [(m.id, m.name) for m in refine("أحمد مظهر سعدو قال. سعدو", found, Gazetteer.load())]
    [('new:actor:احمد مظهر سعدو', 'أحمد مظهر سعدو'), ('new:actor:احمد مظهر سعدو', 'أحمد مظهر سعدو')]
    """
    kept = []
    informants: set[str] = set()
    persons: set[str] = set()  # known places the article names as a person's name
    for mention in mentions:
        after: list[Mention] = []  # a second place cut off this mention's name
        if mention.kind not in ("actor", "place"):
            kept.append(mention)
            continue
        if mention.kind == "place" and _generic_place(mention):
            continue
        if _two_seas(text, mention):
            continue  # «بالبحرين المتوسط والأحمر»: the two seas, no Bahrain
        before = _word_before(text, mention.start)
        if mention.kind == "actor" and before in _MODEL:
            continue  # «من طراز بوينغ 737»: the aircraft's type, no actor
        if mention.id.startswith(DISCOVERED):
            if not id_name(mention.id).replace(_ARTICLE, "").strip():
                continue  # the article alone («الـ"كيلو 16"» tagged as «الـ»): no name
            introduced = _introduced(_trimmed(text, mention), before)
            if introduced.start != mention.start:  # a word left the front: look again
                before = _word_before(text, introduced.start)
            mention = _typed(introduced, before)
            name = id_name(mention.id)  # the folded name, the same from here on
            if mention.kind == "actor" and before in _SUBSTANCE:
                continue  # «مادة "تي إيه تي بي"», «صواريخ "آر بي جي"»: a thing, no actor
            if mention.kind == "actor" and _ship(text, mention.start, before, gazetteer):
                continue  # «السفينة الأميركية "يو إس إس ديكاتور"»: a ship, no actor
            if mention.kind == "actor" and name.split()[0] == _GOD:
                continue  # «قول الله تعالى»: a formula, no actor
            if _indefinite(mention.text) or _unmarked_indefinite(name, before):
                continue  # «سكنياً», «اكتظاظا سكانيا»: an indefinite adjective, no name
            if _preposition(mention.text):
                continue  # «على خلفية»: the preposition, not the name علي
            if mention.kind == "actor" and mention.type in _GUESSED and _qualified_quote(
                    text, mention):
                continue  # «"اوتوستراد" جديد»: a common noun in quotes, no name
            if mention.kind == "place" and _agency(_words_before(text, mention.start, 2)):
                mention = replace(mention, kind="actor", type="media",
                                  id=discovered_id("actor", name))
            if mention.kind == "place":
                parts = _cut_at_place_word(text, mention)
                if len(parts) > 1:  # «أوستن بولاية تكساس»: two places
                    after = [p for p in parts[1:] if not _common_place(id_name(p.id))]
                    mention = parts[0]
                    name = id_name(mention.id)
            if mention.kind == "actor" and (_front_line(name, text, mention.end)
                                            or _front_in(name, text, mention.start, before)):
                continue
            if mention.kind == "actor" and mention.type in _GUESSED and before in TOWARDS:
                # a destination is a place: «صاروخ باتجاه خميس مشيط»
                mention = replace(mention, kind="place", type="region",
                                  id=discovered_id("place", name))
            if mention.type == "person" and (
                    _common_phrase(name) or _description(name, gazetteer) or _rank_only(name)):
                continue
            if mention.kind == "place" and (_common_place(name) or _dual(name)):
                continue
        elif mention.kind == "place" and mention.text.endswith(_DIN) and _surname_after(
                text, mention.end):
            persons.add(mention.id)
            continue  # «قوات صلاح الدين الأيوبي»: Saladin, no governorate
        elif mention.kind == "place" and _street(before):
            continue  # «شارع صنعاء»: a street of another city, not صنعاء
        if mention.kind == "actor" and _medium(text, mention):
            continue
        if mention.kind == "actor" and _outlet(text, mention, gazetteer, source):
            informants.add(mention.id)
        kept.append(mention)
        kept += after
    kept = [replace(m, kind="source") if m.kind == "actor" and m.id in informants else m
            for m in kept]
    if persons:  # «صلاح الدين يسيطر» beside «صلاح الدين الأيوبي»: the man again
        kept = [m for m in kept if m.kind != "place" or m.id not in persons]
    kept = _known_prefix(_alias_to_named(_group_adjectives(kept, gazetteer), gazetteer), gazetteer)
    kept = _as_parent(_yemen_militias(kept, gazetteer), gazetteer)
    kept = _joined_places(text, _namesakes(text, _amman(text, kept, gazetteer), gazetteer))
    kept = _cut_places(text, kept)
    kept = _spellings(_region_part(_un_described(kept, gazetteer), gazetteer))
    kept = _bracketed(text, _cut_in_front(text, _placed(kept)))
    return _written(_one_type(_coreferred(kept, gazetteer)))


def display_form(surface: str, folded: str) -> str:
    """``surface`` as a name is written: marks, clitics and punctuation off,
    hamza and teh marbuta kept; ``folded`` is its normalized name.

    >>> display_form("وأفريقيا", "افريقيا"), display_form("لـ”الحل نت”", "الحل نت")
    ('أفريقيا', 'الحل نت')
    >>> display_form("للفرقة الرابعة", "الفرقه الرابعه")
    'الفرقة الرابعة'
    """
    return _as_written(surface, folded) or folded


def _as_written(surface: str, folded: str) -> str | None:
    clean = " ".join(strip_obfuscation(strip_marks(surface)).replace("_", " ").split())
    clean = clean.strip(_EDGE)
    for cut in range(4):
        candidate = clean[cut:].lstrip(_EDGE)
        if normalize(candidate) == folded:
            return candidate
        if normalize(_ARTICLE + candidate) == folded:
            return _ARTICLE + candidate
    return None


def _two_seas(text: str, mention: Mention) -> bool:
    """The mention is «البحرين» (clitics allowed) right before a sea's name: the
    dual of البحر, two seas («بالبحرين المتوسط والأحمر»), not Bahrain.

    >>> from arsearch.models import Mention
    >>> m = Mention("place", "country", "bh", "البحرين", "بالبحرين", 0, 8)
    >>> _two_seas("بالبحرين المتوسط والأحمر", m), _two_seas("بالبحرين أمس", m)
    (True, False)
    """
    words = normalize(strip_marks(mention.text)).split()
    if len(words) != 1 or not any(w == _TWO_SEAS for _, w in clitic_variants(words[0])):
        return False
    gap = text[mention.end:mention.end + 1]
    after = _WORD_RE.match(text, mention.end + 1) if gap == " " else None
    return after is not None and normalize(after.group()) in _SEA_NAMES


def _generic_place(mention: Mention) -> bool:
    """The mention is a generic geographic word alone (المدينة, وريف, بلاده: a
    possessive pronoun names no place either), or a discovered name made of
    generic words only («مطار المدينة», the city's airport)."""
    words = normalize(mention.text).split()
    if len(words) > 1:
        return mention.id.startswith(DISCOVERED) and all(
            _generic_word(w.strip(_EDGE), possessive=False) for w in words)
    return len(words) == 1 and _generic_word(words[0].strip(_EDGE), possessive=True)


def _generic_word(word: str, possessive: bool) -> bool:
    for _, variant in clitic_variants(word):
        bare = variant[len(_ARTICLE):] if variant.startswith(_ARTICLE) else variant
        forms = [bare]
        if possessive:  # بلاده -> بلاد, مدينتهم -> مدينه
            for suffix in _POSSESSIVES:
                stem = bare[:-len(suffix)]
                if bare.endswith(suffix) and len(stem) >= _MIN_SHORT:
                    forms += [stem, stem[:-1] + "ه" if stem.endswith("ت") else stem]
        if any(f in GENERIC_PLACES or f in HEAD_TYPES for f in forms):
            return True
    return False


def _front_line(name: str, text: str = "", end: int = 0) -> bool:
    """A discovered «جبهة» + a generic geographic word is a front line, not an
    armed group: «جبهة الساحل الغربي» (the western coast front), not جبهة النصرة;
    and so is a «جبهة» the text places by a direction right after its name
    («جبهة البرح غربي محافظة تعز»: a front is where it lies, a group is not).

    >>> t = "بالإضافة إلى جبهة البرح غربي محافظة تعز"
    >>> _front_line("جبهه البرح", t, t.index(" غربي")), _front_line("جبهه البرح")
    (True, False)
    """
    words = name.split()
    if len(words) < 2 or words[0] not in (normalize("جبهة"), normalize("الجبهة")):
        return False
    if words[1].removeprefix(_ARTICLE) in GENERIC_PLACES:
        return True
    found = _WORD_RE.match(text, end + 1) if text[end:end + 1] == " " else None
    return found is not None and normalize(found.group()) in DIRECTIONS


def _front_in(name: str, text: str, start: int, before: str) -> bool:
    """A discovered «جبهة» + a name that the text puts something in («في
    جبهة الدريهمي», «وفي جبهة نهم», «بجبهة قانية») is a front line, where
    fighting is, no armed group: one fights in a front, and is a member of a
    group (the groups one is «في», جبهة النصرة, جبهة التحرير …, are known),
    as the members are that a word of membership before «في» names («أعضاء
    في "جبهة اليسار"»: the Left Front, a party).

    >>> t = "قتلى في جبهة الدريهمي"
    >>> _front_in("جبهه الدريهمي", t, t.index("جبهة"), "في")
    True
    >>> t = 'انتقد أعضاء في "جبهة اليسار"'
    >>> _front_in("جبهه اليسار", t, t.index("جبهة"), "في")
    False
    """
    words = name.split()
    if len(words) < 2 or words[0] != _FRONT:
        return False
    if text[start - 1:start] == "ب":
        return True
    if before not in _IN_FRONT:
        return False
    words = _words_before(text, start, 2)
    return len(words) < 2 or words[0] not in _MEMBERS


def _trimmed(text: str, mention: Mention) -> Mention:
    """A discovered name without a direction word at its end (الخوخة جنوبي), and
    a discovered place without a definite nisba in the dual or plural at its
    end: the adjective of two or more places, never a word of one place's name
    («والسدرة النفطيين», the oil ports of راس لانوف and السدرة), nor a definite
    participle of where it lies («جبل الظهر المطل على …»: ``ADJOINING``); and
    a discovered name without a preposition joined to a relative pronoun at
    its end («قرقاش لمن يسعى»: ``RELATIVES``)."""
    words = id_name(mention.id).split()
    if len(words) < 2 or words[-1] not in DIRECTIONS and words[-1] not in RELATIVES and not (
            mention.kind == "place" and (_plural_nisba(words[-1]) or words[-1] in ADJOINING)):
        return mention  # القلمون الشرقي keeps its direction
    cut = mention.text.rstrip().rfind(" ")
    surface = mention.text[:cut].rstrip() if cut > 0 else ""
    if not surface or len(surface.split()) != len(words) - 1:
        return mention
    name = " ".join(words[:-1])
    return replace(mention, id=discovered_id(mention.kind, name), name=name, text=surface,
                   end=mention.start + len(surface))


def _plural_nisba(word: str) -> bool:
    """A normalized word is a definite nisba in the dual or the plural
    (النفطيين, النفطيتين), as no single place is called.

    >>> _plural_nisba("النفطيين"), _plural_nisba("النفطيتين"), _plural_nisba("الصالحين")
    (True, True, False)
    """
    return word.startswith(_ARTICLE) and len(word) > 6 and word.endswith(_PLURAL_NISBA)


def _introduced(mention: Mention, before: str = "") -> Mention:
    """A discovered name without the word introducing it (المدعو محمد مطهر), or
    without «ركن» or «الركن» after a rank (``before``: «العقيد ركن تركي
    المالكي», «العقيد الركن تركي المالكي»)."""
    words = id_name(mention.id).split()
    staff = bool(words) and words[0].removeprefix(_ARTICLE) == _STAFF and (
        before in _RANKS)  # «العقيد ركن» or «العقيد الركن» + name
    if len(words) < 2 or clitic_variants(words[0])[-1][1] not in _INTRODUCERS and (
            words[0] not in _INTRODUCERS) and not staff:
        return mention
    parts = mention.text.split(None, 1)
    if len(parts) != 2 or len(parts[1].split()) != len(words) - 1:
        return mention
    surface = parts[1]
    start = mention.start + mention.text.index(surface)
    name = " ".join(words[1:])
    return replace(mention, id=discovered_id(mention.kind, name), name=name, text=surface,
                   start=start, end=start + len(surface))


def _placed(mentions: list[Mention]) -> list[Mention]:
    """A discovered actor the tagger guessed (a person, an organisation) whose
    name a place word gives as a place in the same article (مدينة درنة) is that
    place: the place word is evidence, the tagger's type a guess. So is one
    named as a discovered place without the generic word the place's name
    opens with («ميفو دوتان» beside «مستوطنة ميفو دوتان»)."""
    places = {id_name(m.id): m for m in mentions
              if m.kind == "place" and m.id.startswith(DISCOVERED) and m.type not in _GUESSED}
    for m in mentions:
        words = id_name(m.id).split()
        if (m.kind == "place" and m.id.startswith(DISCOVERED) and len(words) > 1
                and _generic_word(words[0], possessive=False)):
            places.setdefault(" ".join(words[1:]), m)
    if not places:
        return mentions
    result = []
    for m in mentions:
        name = id_name(m.id)
        if m.kind == "actor" and m.type in _GUESSED and m.id.startswith(DISCOVERED) and (
                name in places):
            place = places[name]
            m = replace(m, kind="place", type=place.type, id=place.id)
        result.append(m)
    return result


def _joined_places(text: str, mentions: list[Mention]) -> list[Mention]:
    """Two discovered places the tagger cut out of one name, one space apart
    and the second written bare (no clitic, no punctuation between them), are
    one place: «وراس لانوف» is راس لانوف, not «راس» and «لانوف»."""
    places = {m.start: m for m in mentions if m.kind == "place" and m.id.startswith(DISCOVERED)}
    joined: dict[int, Mention] = {}  # start of the first part -> the whole name
    seconds: set[int] = set()
    for first in sorted(places.values(), key=lambda m: m.start):  # «A B C»: A B, then C
        second = places.get(first.end + 1)
        if (second is None or first.start in seconds or text[first.end] != " "
                or normalize(second.text) != id_name(second.id)):
            continue
        name = f"{id_name(first.id)} {id_name(second.id)}"
        joined[first.start] = replace(first, id=discovered_id("place", name), name=name,
                                      text=text[first.start:second.end], end=second.end)
        seconds.add(second.start)
    if not joined:
        return mentions
    return [joined.get(m.start, m) if m is places.get(m.start) else m for m in mentions
            if not (m is places.get(m.start) and m.start in seconds)]


def _cut_places(text: str, mentions: list[Mention]) -> list[Mention]:
    """A discovered place the article writes on, one space at a time, into a
    longer discovered place it names is that place: «مدينتي خان يونس وغزة»
    gives «خان» beside «في خان يونس», which is خان يونس."""
    longer = {id_name(m.id): m for m in mentions
              if m.kind == "place" and m.id.startswith(DISCOVERED) and " " in id_name(m.id)}
    if not longer:
        return mentions
    out = []
    for m in mentions:
        if m.kind == "place" and m.id.startswith(DISCOVERED) and text[m.end:m.end + 1] == " ":
            name = id_name(m.id)
            for full, whole in longer.items():
                if not full.startswith(name + " "):
                    continue
                rest = full[len(name) + 1:].split(" ")
                words = text[m.end + 1:m.end + 1 + 20 * len(rest)].split(" ")[:len(rest)]
                if [normalize(w) for w in words] == rest:
                    end = m.end + 1 + len(" ".join(words))
                    m = replace(m, id=whole.id, name=whole.name, type=whole.type,
                                text=text[m.start:end], end=end)
                    break
        out.append(m)
    return out


def _namesakes(text: str, mentions: list[Mention], gazetteer: Gazetteer) -> list[Mention]:
    """A known place right before «في» and a country it does not lie in is a
    namesake in that country: «بمحافظة الإسكندرية في مصر» is Egypt's
    Alexandria, not GeoNames' Iraqi الإسكندرية, and is listed as a discovered
    place under the name the article gives it."""
    places = sorted((m for m in mentions if m.kind in ("actor", "place")), key=lambda m: m.start)
    renamed: dict[int, Mention] = {}
    for m, n in zip(places, places[1:], strict=False):
        if (m.kind != "place" or m.id.startswith(DISCOVERED) or n.type not in ("country", "state")
                or normalize(text[m.end:n.start]).split() != [_IN]):
            continue
        countries = [a for a in gazetteer.ancestors(m.id)
                     if (gazetteer.get(a) or m).type == "country"]
        if not countries or n.id in countries or m.id == n.id:
            continue
        folded = normalize(strip_marks(m.text)).strip(_EDGE)
        names = [f for f in gazetteer.folded_names(m.id) if folded.endswith(f)]
        name = max(names, key=len) if names else folded
        renamed[m.start] = replace(m, id=discovered_id("place", name), name=name)
    if not renamed:
        return mentions
    return [renamed.get(m.start, m) if m.kind == "place" else m for m in mentions]


def _amman(text: str, mentions: list[Mention], gazetteer: Gazetteer) -> list[Mention]:
    """«عمان» is Amman, the Jordanian capital, not Oman, where it is written
    «عمّان», or where the article names Jordan and never Oman as itself
    (سلطنة, عماني, مسقط, عُمان). As a place it is Amman; read as a state
    acting («وتقول عمان إن») it is Jordan's government, unless «العاصمة»
    stands in the two words before it («العاصمة الأردنية عمان»)."""
    if not any(m.id == _OMAN for m in mentions):
        return mentions
    jordan = (any(w in text for w in _JORDAN_WORDS)
              and not any(w in text for w in _OMAN_WORDS))
    state, city = gazetteer.get(_JORDAN), gazetteer.get(_AMMAN)
    if state is None or city is None:
        return mentions
    out = []
    for m in mentions:
        if m.id == _OMAN and _DAMMA not in m.text and (jordan or _SHADDA in m.text):
            if m.kind == "actor" and _CAPITAL_WORD not in _words_before(text, m.start, 2):
                m = replace(m, id=state.id, name=state.name_ar, type="state")
            else:
                m = replace(m, kind="place", type=city.type, id=city.id, name=city.name_ar)
        out.append(m)
    return out


def _surname_after(text: str, end: int) -> bool:
    """A surname follows ``end`` one space on: a definite nisba («الأيوبي»),
    not a direction («صلاح الدين الشرقي»)."""
    if text[end:end + 1] != " ":
        return False
    found = _WORD_RE.match(text, end + 1)
    if found is None:
        return False
    word = normalize(found.group())
    return (word.startswith(_ARTICLE) and word.endswith("ي") and len(word) > 4
            and word[len(_ARTICLE):] not in DIRECTIONS)


def _ship(text: str, start: int, before: str, gazetteer: Gazetteer) -> bool:
    """The name at ``start`` follows a word for a ship (``before``), or one and
    a nationality adjective («السفينة الأميركية "يو إس إس ديكاتور"»): the
    ship's name."""
    if before in _VESSEL:
        return True
    if before not in gazetteer.adjectives:
        return False
    words = _words_before(text, start, 2)
    return len(words) == 2 and words[0] in _VESSEL


def _street(before: str) -> bool:
    """The word before a name (``before``, normalized) is «شارع» (a street), a
    clitic allowed («وشارع», «بشارع»): the name after it is the street's.

    >>> a, b = "بالإضافة إلى شارع صنعاء", "في شوارع صنعاء"
    >>> _street(_word_before(a, a.index("صنعاء"))), _street(_word_before(b, b.index("صنعاء")))
    (True, False)
    """
    return bool(before) and any(w == _STREET for _, w in clitic_variants(before))


def _words_before(text: str, start: int, n: int) -> tuple[str, ...]:
    """The ``n`` normalized words just before ``start`` in one phrase (fewer
    when punctuation is nearer)."""
    words: list[str] = []
    while len(words) < n:
        word = _word_before(text, start)
        if not word:
            break
        words.insert(0, word)
        start = text.rfind(_WORD_RE.findall(text[max(0, start - 30):start])[-1], 0, start)
    return tuple(words)


def _agency(words: tuple[str, ...]) -> bool:
    """``words`` are «وكالة أنباء», a clitic on the first one allowed (ووكالة)."""
    return (len(words) == 2 and words[1] == _AGENCY[1]
            and any(w == _AGENCY[0] for _, w in clitic_variants(words[0])))


def _cut_at_place_word(text: str, mention: Mention) -> list[Mention]:
    """A discovered place the tagger ran into the next place, behind «بـ» and
    a place word («أوستن بولاية تكساس»), as two places: the name before and
    the name after the place word. Else the mention alone."""
    words = list(re.finditer(r"\S+", mention.text))
    for k in range(1, len(words) - 1):
        word = normalize(words[k].group())
        if not any("ب" in word[:c] and w in GENERIC_PLACES for c, w in clitic_variants(word)):
            continue
        parts = []
        for first, last in ((words[0], words[k - 1]), (words[k + 1], words[-1])):
            surface = mention.text[first.start():last.end()]
            name = normalize(strip_marks(surface)).strip(_EDGE)
            start = mention.start + first.start()
            parts.append(replace(mention, id=discovered_id("place", name), name=name,
                                 text=surface, start=start, end=start + len(surface)))
        return parts
    return [mention]


def _un_described(mentions: list[Mention], gazetteer: Gazetteer) -> list[Mention]:
    """A discovered «المنظمة الدولية» (or «الأممية») in an article that names the
    United Nations is the United Nations."""
    if not any(m.id == UN for m in mentions):
        return mentions
    un = gazetteer.get(UN)
    if un is None:
        return mentions
    return [replace(m, id=un.id, type=un.type, name=un.name_ar)
            if m.kind == "actor" and m.id.startswith(DISCOVERED)
            and " ".join(_plain_words(m.text)) in _UN_DESCRIPTIONS else m
            for m in mentions]


def _region_part(mentions: list[Mention], gazetteer: Gazetteer) -> list[Mention]:
    """A known region named bare (الغوطة) in an article that names one known
    part of it, the name and a direction (الغوطة الشرقية), is that part; with
    two parts named (الشرقية and الغربية) it stays the whole."""
    parts: dict[str, set[str]] = {}  # normalized name of the whole -> ids of parts named
    for m in mentions:
        entry = gazetteer.get(m.id) if m.kind == "place" else None
        if entry is None or entry.type != "region":
            continue
        words = normalize(entry.name_ar).split()
        if len(words) > 1 and words[-1] in _REGION_PARTS:
            parts.setdefault(" ".join(words[:-1]), set()).add(entry.id)
    if not parts:
        return mentions
    result = []
    for m in mentions:
        entry = gazetteer.get(m.id) if m.kind == "place" else None
        named = parts.get(normalize(entry.name_ar), set()) if entry is not None else set()
        if entry is not None and entry.type == "region" and len(named) == 1:
            part = gazetteer.get(next(iter(named)))
            if part is not None:
                m = replace(m, id=part.id, type=part.type, name=part.name_ar)
        result.append(m)
    return result


def _skeleton(name: str) -> str:
    """A name without the long vowels after its first letter of each word, nor
    a hamza at a word's end (الحمراء, الحمرا: see ``_one_vowel_apart``)."""
    return " ".join(w[:1] + "".join(c for c in w[1:].removesuffix(_HAMZA)
                                    if c not in _LONG_VOWELS)
                    for w in name.split())


def _spellings(mentions: list[Mention]) -> list[Mention]:
    """Two discovered places the article spells with and without a long vowel
    (تورونتو, تورنتو: one letter more or less, the same name without long
    vowels) are one place, under its more frequent spelling (ties: the first)."""
    counts: Counter[str] = Counter(m.id for m in mentions
                                   if m.kind == "place" and m.id.startswith(DISCOVERED))
    if len(counts) < 2:
        return mentions
    by_skeleton: dict[str, list[str]] = {}
    for i in counts:  # first mention first
        skeleton = _skeleton(id_name(i))
        if len(skeleton.replace(" ", "")) >= _SKELETON_MIN:
            by_skeleton.setdefault(skeleton, []).append(i)
    moved: dict[str, str] = {}
    for ids in by_skeleton.values():
        best = max(ids, key=lambda i: counts[i])  # max keeps the first of a tie
        for i in ids:
            if i != best and _one_vowel_apart(id_name(i), id_name(best)):
                moved[i] = best
    if not moved:
        return mentions
    return [replace(m, id=moved[m.id]) if m.id in moved else m for m in mentions]


def _one_vowel_apart(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by one long vowel that one of them has more, or
    by the hamza after a word's final alef that news often leaves unwritten
    («جبل الحمرا» for «جبل الحمراء»).

    >>> _one_vowel_apart("جبل الحمرا", "جبل الحمراء"), _one_vowel_apart("الحمر", "الحمرء")
    (True, False)
    """
    short, long_ = sorted((a, b), key=len)
    if len(long_) != len(short) + 1:
        return False
    return any((long_[k] in _LONG_VOWELS or long_[k] == _HAMZA and long_[k - 1] == "ا"
                and long_[k + 1:k + 2] in ("", " "))
               and long_[:k] + long_[k + 1:] == short for k in range(1, len(long_)))


def _word_before(text: str, start: int) -> str:
    words = _WORD_RE.findall(text[max(0, start - 30):start])
    gap = text[max(0, start - 30):start].rsplit(words[-1], 1)[-1] if words else ""
    return normalize(words[-1]) if words and not set(gap) & set(".,،؛;:!?؟\n") else ""


def _head_type(word: str, definite: bool = True) -> tuple[str, str] | None:
    """The (kind, type) the head noun ``word`` gives; with the article only when
    ``definite`` (a name's own first word: الجبهة الشعبية)."""
    for _, bare in clitic_variants(word):
        head = HEAD_TYPES.get(bare) or (
            HEAD_TYPES.get(bare.removeprefix(_ARTICLE)) if definite else None)
        if head:
            return head
    return None


def _typed(mention: Mention, before: str) -> Mention:
    """A discovered mention retyped by the head noun its name opens with, or that
    stands just before it (صحيفة هآرتس, where the tagger left the noun out).

    A noun before the name types it only without the article: «الشركة هورست
    نيومان», «مدافع الاتحاد بلال اللحام» name a person after a noun phrase.
    """
    name = id_name(mention.id)
    words = name.split()
    head = _head_type(words[0]) if len(words) > 1 else None
    if head is None and before and mention.kind == "actor":
        head = _head_type(before, definite=False)
    if head is None or (mention.kind, mention.type) == head or mention.type not in _GUESSED:
        return mention
    kind, type_ = head
    return replace(mention, kind=kind, type=type_, id=discovered_id(kind, name))


@lru_cache(maxsize=1)  # package data: the same for the whole process
def word_ranks() -> dict[str, int]:
    """Normalized word -> frequency rank in news (0 = most frequent), for the
    60,000 words of the name tagger's cluster table (ANT news)."""
    from arsearch.extract.ner import load_clusters  # the tagger's table, loaded with it

    return {word: rank for rank, word in enumerate(load_clusters())}


def _indefinite(surface: str) -> bool:
    """The last word of ``surface`` is a nisba with tanween (سكنياً, عسكرياً): an
    indefinite adjective or adverb, which no discovered name is.

    >>> _indefinite("سكنياً"), _indefinite("سكنيا"), _indefinite("محمداً")
    (True, False, False)
    """
    return _OTHER_MARKS.sub("", surface.rstrip(_EDGE)).endswith(_INDEFINITE_NISBA)


def _unmarked_indefinite(name: str, before: str) -> bool:
    """A discovered name of one word ending in «يا» after an indefinite noun in
    the accusative («اكتظاظا سكانيا»), where news writes the definite nisba
    (السكاني) more often than the word itself: the adjective without its
    tanween written, no name («آسيا أفريقيا»: أفريقيا is the more frequent)."""
    if not name.endswith("يا") or " " in name or len(before) < 4 or not before.endswith("ا") \
            or before.startswith(_ARTICLE):
        return False
    ranks = word_ranks()
    nisba = ranks.get(_ARTICLE + name[:-1])
    return nisba is not None and nisba < ranks.get(name, len(ranks))


def _qualified_quote(text: str, mention: Mention) -> bool:
    """A discovered name of one word in quotes, an indefinite adjective right
    after the closing quote: a common noun in quotes («"اوتوستراد" جديد», a
    new motorway), which no name is (a name takes no indefinite adjective).

    >>> from arsearch.models import Mention
    >>> m = Mention("actor", "person", "new:actor:اوتوستراد", "اوتوستراد", "اوتوستراد", 1, 10)
    >>> _qualified_quote('"اوتوستراد" جديد يربط', m), _qualified_quote("اوتوستراد جديد", m)
    (True, False)
    """
    if " " in mention.text.strip() or mention.start == 0:
        return False
    opening, after = text[mention.start - 1], text[mention.end:mention.end + 30]
    closing = after[:1]
    if opening not in _QUOTE_MARKS or closing not in _QUOTE_MARKS:
        return False
    words = _WORD_RE.findall(after[1:])
    return bool(words) and after[1:].startswith(" ") and normalize(words[0]) in _INDEFINITE_ADJ


def _preposition(surface: str) -> bool:
    """``surface`` is the preposition «على» (also behind و or ف), which folding
    makes the name علي; the name is written with ya.

    >>> _preposition("على"), _preposition("وعلى"), _preposition("علي")
    (True, True, False)
    """
    word = strip_marks(surface).strip(_EDGE)
    return word == _ALA or word[1:] == _ALA and word[0] in "وف"


def _common_phrase(name: str) -> bool:
    """Every word of a name of two or more words is a common word (module doc)."""
    words = name.split()
    if len(words) < 2:
        return False
    ranks = word_ranks()
    for word in words:
        if word.startswith(_ARTICLE):
            return False
        definite = ranks.get(_ARTICLE + word)
        bare = ranks.get(word)
        if definite is None or (bare is not None and definite >= bare * _COMMON_RATIO):
            return False
    return True


def _rank_only(name: str) -> bool:
    """A name of rank words only («اللفتنانت كولونيل», «العميد الركن»,
    «الجنرال»): a rank that stands before a name, no name itself. One bare
    word may be a given name (رائد).

    >>> _rank_only("اللفتنانت كولونيل"), _rank_only("العقيد تركي المالكي"), _rank_only("رائد")
    (True, False, False)
    """
    words = name.split()
    return (len(words) > 1 or name.startswith(_ARTICLE)) and all(
        w.removeprefix(_ARTICLE) in _RANK_WORDS for w in words)


def _description(name: str, gazetteer: Gazetteer) -> bool:
    """A name of a common noun and nationality adjectives only, all with the
    article or all without it, describes a person without naming them
    («الناشط السوري», «ناشط سوري»): no name. A surname keeps a name
    («العقيد المالكي»: المالكي is no nationality), and so does a given name
    before a definite surname («جمال التركي»).

    >>> g = Gazetteer.load()
    >>> _description("الناشط السوري", g), _description("العقيد المالكي", g)
    (True, False)
    """
    words = name.split()
    definite = [w.startswith(_ARTICLE) for w in words]
    if len(words) < 2 or any(d != definite[0] for d in definite):
        return False
    if not all(w in gazetteer.adjectives for w in words[1:]):
        return False
    ranks = word_ranks()
    bare = words[0].removeprefix(_ARTICLE)
    with_article, without = ranks.get(_ARTICLE + bare), ranks.get(bare)
    return with_article is not None and without is not None and (
        with_article < without * _COMMON_RATIO)


def _common_place(name: str) -> bool:
    """A discovered place of one word is a common word (module doc): with the
    article, when news writes its bare form more often (الجزاء: جزاء); without
    it, when it is a common word by the test of ``_common_phrase`` (متطورة)."""
    if " " in name:
        return False
    ranks = word_ranks()
    if name.startswith(_ARTICLE):
        definite, bare = ranks.get(name), ranks.get(name[len(_ARTICLE):])
        return definite is not None and bare is not None and bare < definite
    definite, bare = ranks.get(_ARTICLE + name), ranks.get(name)
    return definite is not None and bare is not None and definite < bare * _COMMON_RATIO


def _dual(name: str) -> bool:
    """A discovered place of one bare word ending in «ين» that news never writes,
    whose stem is a frequent word: a common noun in the dual («كيسين»: كيس),
    no name (``_DUAL``).

    >>> _dual("كيسين"), _dual("برلين"), _dual("عابدين")
    (True, False, False)
    """
    if " " in name or not name.endswith(_DUAL) or name.startswith(_ARTICLE):
        return False
    stem = name[:-len(_DUAL)]
    ranks = word_ranks()
    return (len(stem) >= 3 and name not in ranks
            and ranks.get(stem, _DUAL_STEM_RANK) < _DUAL_STEM_RANK)


def _medium(text: str, mention: Mention) -> bool:
    """A social platform named as the medium of a statement: على تويتر, بتويتر."""
    if mention.type != "platform":
        return False
    surface = normalize(strip_marks(mention.text)).lstrip(_EDGE)
    before = text[max(0, mention.start - 20):mention.start]
    if surface.startswith("ب") or before.endswith("ب") and (
            len(before) == 1 or not before[-2].isalpha()):
        return True  # بتويتر (the mention may start after the clitic)
    before = text[max(0, mention.start - 60):mention.start]
    words = [normalize(w) for w in _WORD_RE.findall(before)]
    for _ in range(_PLATFORM_WORDS_MAX):  # «على تطبيق تليغرام»: walk back to the medium
        if not words or words[-1] in MEDIUM:
            break
        variants = clitic_variants(words[-1])
        if not any(w in _PLATFORM_WORDS for _, w in variants):
            break
        if any(w in _PLATFORM_WORDS for c, w in variants if "ب" in words[-1][:c]):
            return True  # «بموقع التواصل الاجتماعي تويتر»
        words.pop()
    return bool(words) and words[-1] in MEDIUM


def _one_type(mentions: list[Mention]) -> list[Mention]:
    """A discovered name the tagger typed two ways takes its most frequent
    guessed type (ties: the first mention's); a type from evidence stays."""
    types: dict[str, Counter[str]] = {}
    for m in mentions:
        if m.id.startswith(DISCOVERED) and m.type in _GUESSED:
            types.setdefault(m.id, Counter())[m.type] += 1
    best = {i: c.most_common(1)[0][0] for i, c in types.items() if len(c) > 1}
    if not best:
        return mentions
    return [replace(m, type=best[m.id]) if m.id in best and m.type in _GUESSED else m
            for m in mentions]


@lru_cache(maxsize=1)  # package data: the same for the whole process
def _outlet_names() -> dict[str, frozenset[str]]:
    """Normalized name or alias of a news outlet -> all names of that outlet."""
    table: dict[str, frozenset[str]] = {}
    for line in data_lines("sources.txt"):
        names = frozenset(normalize(n.strip()).lower() for n in line.split("|") if n.strip())
        for name in names:
            table[name] = names
    return table


def _entity_names(mention: Mention, gazetteer: Gazetteer) -> set[str]:
    names = {normalize(mention.name).lower(), id_name(mention.id).lower()}
    entry = gazetteer.get(mention.id)
    if entry is not None:
        names.update(gazetteer.folded_names(entry.id))  # normalize lower-cases
    return names


def _outlet(text: str, mention: Mention, gazetteer: Gazetteer, source: str | None) -> bool:
    """The actor is a news outlet that is the article's source or its informant."""
    outlets = _outlet_names()
    names = _entity_names(mention, gazetteer)
    known = set().union(*(outlets.get(n, frozenset()) for n in names))
    if not known and mention.type != "media":
        return False
    if source and normalize(source).lower() in (known | names):
        return True
    return _attributed(text, mention, names)


def _attributed(text: str, mention: Mention, names: set[str]) -> bool:
    """The outlet is named as the source of what is said: لـ"الحل نت", بحسب وكالة …"""
    surface = normalize(strip_marks(mention.text)).lstrip(_EDGE).lower()
    if surface.startswith("ل") and (surface[1:] in names or _ARTICLE + surface[2:] in names):
        return True  # لرويترز, للجزيرة
    before = text[max(0, mention.start - 40):mention.start]
    tail = before.rstrip(_EDGE + "\u0640")
    if tail.endswith("ل") and (len(tail) == 1 or not tail[-2].isalpha()):
        return True  # لـ"الحل نت", لـ (SY24)
    words = [normalize(w) for w in _WORD_RE.findall(before)][-3:]
    if len(words) >= 2 and words[-2] in _OBTAINED and words[-1] in _OBTAINED_WHAT:
        return True  # «شريط حصلت عليه وكالة فرانس برس»: what the outlet obtained
    for word in words:
        if any(_attribution(w) for _, w in clitic_variants(word)):
            return True
        if word.startswith("ل") and normalize(word[1:]) in {
                w for w, (_, t) in HEAD_TYPES.items() if t == "media"}:
            return True  # لموقع، لمنصة before a name
    after = text[mention.end:mention.end + 40]
    return any(any(w in REPORTING for _, w in clitic_variants(normalize(word)))
               for word in _WORD_RE.findall(after)[:2])


def _attribution(word: str) -> bool:
    if word in ATTRIBUTION:
        return True
    return any(word[:-k] in ATTRIBUTION for k in range(1, _PRONOUN_MAX + 1)
               if len(word) - k >= 4)


def _distinctive(name: str) -> frozenset[str]:
    """The words of a normalized name without head nouns (قوات التحالف -> التحالف)."""
    return frozenset(w for w in name.split()
                     if w not in _FORCES and w.removeprefix(_ARTICLE) not in _FORCES
                     and w not in HEAD_TYPES and w.removeprefix(_ARTICLE) not in HEAD_TYPES)


def _alias_to_named(mentions: list[Mention], gazetteer: Gazetteer) -> list[Mention]:
    """A known actor the article names only by a short alias whose words belong
    to another known actor's names in the same article is that actor: in an
    article on the Arab coalition, «قوات التحالف» is التحالف العربي, not the
    global coalition the alias also names."""
    entries = {m.id: gazetteer.get(m.id) for m in mentions
               if m.kind == "actor" and not m.id.startswith(DISCOVERED)}
    # Countries are named by adjectives everywhere (الميليشيات الإيرانية is no Iran).
    names = {i: list(gazetteer.folded_names(i)) for i, e in entries.items()
             if e is not None and e.kind == "actor"}
    if len(names) < 2:
        return mentions
    persons = {i for i, e in entries.items() if e is not None and e.type == "person"}
    in_full = {m.id for m in mentions if m.id in names
               and set(normalize(names[m.id][0]).split()) <= set(_plain_words(m.text))}
    result = []
    for m in mentions:
        if m.id in names and m.id not in in_full:
            words = _distinctive(" ".join(_plain_words(m.text)))
            if all(w in gazetteer.adjectives for w in words):
                words = frozenset()  # an adjective of nationality names no one actor
            # A group's alias names no person («ميليشيات الحوثي» is no عبد الملك الحوثي).
            owners = [i for i in names if i != m.id and words
                      and (i in persons) == (m.id in persons)
                      and any(words <= set(n.split()) for n in names[i])]
            entry = entries[owners[0]] if len(owners) == 1 else None
            if entry is not None:
                m = replace(m, id=entry.id, type=entry.type, name=entry.name_ar)
        result.append(m)
    return result


def _plain_words(surface: str) -> list[str]:
    """Normalized words of a surface, the clitics of the first one off."""
    words = [w for w in normalize(strip_marks(surface)).split() if _WORD_RE.fullmatch(w)]
    if words:
        words[0] = clitic_variants(words[0])[-1][1]
    return words


def _known_prefix(mentions: list[Mention], gazetteer: Gazetteer) -> list[Mention]:
    """A discovered person whose name opens with a known person's whole name is
    that person (محمد بن زايد آل نهيان -> محمد بن زايد)."""
    result = []
    for m in mentions:
        words = _words(m)
        if m.type == "person" and m.id.startswith(DISCOVERED) and len(words) > 2:
            for n in range(len(words) - 1, 1, -1):
                known = [e for e in gazetteer.resolve(" ".join(words[:n]))
                         if e.kind == "actor" and e.type == "person"]
                if known:
                    m = replace(m, id=known[0].id, name=known[0].name_ar)
                    break
        result.append(m)
    return result


def _coreferred(mentions: list[Mention], gazetteer: Gazetteer) -> list[Mention]:
    """Discovered actors named by a unique part of a longer discovered name
    of the same article take that name's id (سعدو -> أحمد مظهر سعدو); so do
    discovered actors named by a unique part of a known person's name as the
    article writes it in full (الصدر -> مقتدى الصدر, named «مقتدى الصدر»), and
    discovered actors named as a known organisation the article names is
    without its head noun («مباراة برشلونة» -> نادي برشلونة)."""
    full: dict[str, Mention] = {}
    for m in mentions:
        if m.kind == "actor" and m.id.startswith(DISCOVERED) and len(_words(m)) > 1:
            full.setdefault(m.id, m)
    # Known persons by the longest words the article writes them in (an alias may
    # be short), and known organisations by their name without its head noun
    # (نادي برشلونة: برشلونة).
    known: dict[str, tuple[Mention, list[str]]] = {}
    headless: dict[str, set[str]] = {}
    for m in mentions:
        entry = gazetteer.get(m.id) if m.kind == "actor" else None
        if entry is None:
            continue
        words = _plain_words(m.text)
        if len(words) < 2:
            continue
        if entry.type == "person":
            if len(words) > len(known.get(m.id, (m, []))[1]):
                known[m.id] = (m, words)
        elif words[0] in _CLUB or _head_type(words[0]) is not None:
            headless.setdefault(" ".join(words[1:]), set()).add(m.id)
    by_id = {m.id: m for m in mentions}
    if not full and not known and not headless:
        return mentions
    group_words = _group_words(mentions, gazetteer)
    full_words = [(f, _words(f)) for f in full.values()]  # read once, not once per mention
    result = []
    for m in mentions:
        if m.id.startswith(DISCOVERED) and m.kind in ("actor", "place"):
            short = _words(m)
            if len("".join(short)) >= _MIN_SHORT:
                # A place inside a person's name is that person's surname (بوردستان).
                owners = [f for f, words in full_words if _contains(words, short)
                          and (m.kind == "actor" or f.type == "person")]
                if m.kind == "actor" and not set(short) <= group_words:
                    # a word of a known group's names is no surname («القيادي الحوثي»)
                    owners += [f for f, words in known.values() if _contains(words, short)]
                if not owners and len(short) == 1 and short[0][:1] in _PREPOSITIONS:
                    # لأبوصلاح: the tagger kept the preposition of a short form
                    rest = [short[0][1:]]
                    owners = [f for f, words in full_words if len(rest[0]) > _MIN_SHORT
                              and _contains(words, rest)
                              and (m.kind == "actor" or f.type == "person")]
                if not owners and m.kind == "actor" and len(headless.get(" ".join(short), ())) == 1:
                    # «مباراة برشلونة» beside «نادي برشلونة»: the club, named without نادي
                    owners = [by_id[next(iter(headless[" ".join(short)]))]]
                if len(owners) == 1:
                    owner = owners[0]
                    m = replace(m, kind="actor", id=owner.id, type=owner.type, name=owner.name)
        result.append(m)
    return result


def _group_adjectives(mentions: list[Mention], gazetteer: Gazetteer) -> list[Mention]:
    """A discovered actor of one word that is, without the article, a word of
    the names of a known group the article names is the group's indefinite
    adjective, no name: «وقيادي حوثي آخر» beside «ميليشيا الحوثي»."""
    bare = {w[len(_ARTICLE):] for w in _group_words(mentions, gazetteer)
            if w.startswith(_ARTICLE)}
    if not bare:
        return mentions
    return [m for m in mentions if not (
        m.kind == "actor" and m.id.startswith(DISCOVERED) and id_name(m.id) in bare)]


def _group_words(mentions: list[Mention], gazetteer: Gazetteer) -> set[str]:
    """The words of the names (normalized) of the known actors of the article
    that are no persons: its groups, organisations and states."""
    return {w for m in mentions if m.kind == "actor"
            and (e := gazetteer.get(m.id)) is not None and e.type != "person"
            for n in gazetteer.folded_names(e.id) for w in n.split()}


def _yemen_militias(mentions: list[Mention], gazetteer: Gazetteer) -> list[Mention]:
    """Iran's militias («الميليشيات الموالية لإيران», «الميليشيات الإيرانية») in
    an article that names the Houthis and no place in Syria or Iraq, where the
    gazetteer's Iran-backed militias fight, are the Houthis."""
    ids = {m.id for m in mentions}
    if IRAN_MILITIAS not in ids or HOUTHIS not in ids:
        return mentions
    for m in mentions:
        if m.kind == "place" and not m.id.startswith(DISCOVERED) and (
                {m.id, *gazetteer.ancestors(m.id)} & IRAN_MILITIAS_LANDS):
            return mentions
    houthis = gazetteer.get(HOUTHIS)
    if houthis is None:
        return mentions
    return [replace(m, id=houthis.id, type=houthis.type, name=houthis.name_ar)
            if m.id == IRAN_MILITIAS else m for m in mentions]


def _as_parent(mentions: list[Mention], gazetteer: Gazetteer) -> list[Mention]:
    """A known place written as the name of the place it lies in is listed as
    that place: the city of درعا (GeoNames' «أذرعات», found after «مدينة
    درعا») is the entry درعا, under that name, not a second place beside it.
    A country's name is left alone (a capital is no country)."""
    result = []
    for m in mentions:
        entry = gazetteer.get(m.id) if m.kind == "place" else None
        parent = gazetteer.get(entry.parent) if entry is not None and entry.parent else None
        if parent is not None and parent.kind == "place" and parent.type != "country":
            words = normalize(strip_marks(m.text)).split()
            names = set(gazetteer.folded_names(parent.id))
            if words and any(" ".join([first, *words[1:]]) in names
                             for _, first in clitic_variants(words[0])):
                m = replace(m, id=parent.id, type=parent.type, name=parent.name_ar)
        result.append(m)
    return result


def _bracketed(text: str, mentions: list[Mention]) -> list[Mention]:
    """A discovered person whose name stands in brackets right after another
    actor's name is that actor: a kunya or a second name («أبو بكر صالح
    الريامي (أبو حيدر)»)."""
    result: list[Mention] = []
    for m in mentions:
        before = result[-1] if result else None
        if (before is not None and before.kind == "actor" and m.kind == "actor"
                and m.id.startswith(DISCOVERED) and m.type in _GUESSED
                and text[before.end:m.start].strip() == "("
                and text[m.end:m.end + 3].lstrip().startswith(")")):
            m = replace(m, id=before.id, type=before.type, name=before.name)
        result.append(m)
    return result


def _cut_in_front(text: str, mentions: list[Mention]) -> list[Mention]:
    """A discovered actor that, with the word or two right before it, spells
    the name of another actor of the article is that actor, cut by the tagger
    («بوكو [حرام]» beside «بوكو حرام»): its mention takes in those words. So
    is one whose first words do, the tagger having run the name into the next
    word («بوكو [حرام عامه] العاشر»): its mention ends with the name."""
    names: dict[str, Mention] = {}
    for m in mentions:
        if m.kind == "actor":
            words = _plain_words(m.text)
            if len(words) > 1:
                names.setdefault(" ".join(words), m)
    if not names:
        return mentions
    # A cut name's first word is a later word of a whole one: the other
    # mentions need no look at the words in front of them.
    later = {word for name in names for word in name.split()[1:]}
    result = []
    for m in mentions:
        if m.kind == "actor" and m.id.startswith(DISCOVERED) and _words(m)[:1] and (
                _words(m)[0] in later):
            m = _whole_name(text, m, names)
        result.append(m)
    return result


def _whole_name(text: str, m: Mention, names: dict[str, Mention]) -> Mention:
    """``m`` as the actor of ``names`` (normalized name -> mention) that the
    words in front of it and its first words spell, or ``m`` itself."""
    own = _words(m)
    tokens = list(re.finditer(r"\S+", m.text))
    in_front = _words_in_front(text, m.start)
    for n in range(len(own), 0, -1):
        if n < len(own) and len(tokens) != len(own):
            break  # the surface does not show where its n-th word ends
        end = m.end if n == len(own) else m.start + tokens[n - 1].end()
        for start, words in in_front:
            whole = names.get(" ".join(words + own[:n]))
            if whole is not None and whole.id != m.id:
                return replace(m, kind=whole.kind, type=whole.type, id=whole.id,
                               name=whole.name, text=text[start:end], start=start, end=end)
    return m


def _words_in_front(text: str, start: int) -> list[tuple[int, list[str]]]:
    """The word right before ``start`` and the two right before it, with
    where they start, when only spaces stand between them and ``start``; the
    first word also without its clitics (لبوكو: بوكو).

    >>> _words_in_front("خطف مقاتلو لبوكو حرام", 17)
    [(11, ['لبوكو']), (11, ['بوكو']), (4, ['مقاتلو', 'لبوكو'])]
    """
    found: list[tuple[int, list[str]]] = []
    end = start
    words: list[str] = []
    for _ in range(2):
        last = end
        while last > 0 and text[last - 1] == " ":
            last -= 1
        first = last
        while first > 0 and (text[first - 1].isalnum() or _MARKS.match(text[first - 1])):
            first -= 1
        if last == end or first == last:
            break  # no space before, or no word (a sign: «قال، بوكو»)
        end = first
        words.insert(0, normalize(text[first:last]))
        found += [(end, [w, *words[1:]]) for _, w in clitic_variants(words[0])]
    return found


def _words(mention: Mention) -> list[str]:
    return id_name(mention.id).split()


def _contains(words: list[str], part: list[str]) -> bool:
    n = len(part)
    return n < len(words) and any(words[i:i + n] == part for i in range(len(words) - n + 1))


def _written(mentions: list[Mention]) -> list[Mention]:
    """Discovered mentions named by their most frequent written form in the article."""
    forms: dict[str, Counter[str]] = {}
    for m in mentions:
        if m.id.startswith(DISCOVERED) and m.kind in ("actor", "place"):
            folded = id_name(m.id)
            form = _as_written(m.text, folded)
            counts = forms.setdefault(m.id, Counter())
            if form is not None:  # a short form (سعدو) does not spell the full name
                counts[form] += 1
    best = {i: max(c.items(), key=lambda kv: (kv[1], kv[0] != id_name(i)))[0]
            for i, c in forms.items() if c}
    if not best:
        return mentions
    return [replace(m, name=best[m.id]) if m.id in best else m for m in mentions]
