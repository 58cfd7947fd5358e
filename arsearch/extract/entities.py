"""Find the actors and places an article mentions, with offsets into it.

Matching runs over the words of ``arsearch.text.tokenize`` in their normalized
form, so diacritics, tatweel, hashtags (#جبل_البشري) and dotted-out words
(دا.عــش) need no special case. In order of precedence, at each word:

1. Gazetteer names, longest first, whole names only (جبل البشري, never
   البشري alone); و/ف and ب/ك/ل may be attached to the first word.
   Names that are also common words (الباب) need a place word before them
   (مدينة الباب). A country is an actor (state) unless it follows a word of
   place (في سوريا, بالعراق), or shares the reading of a place it is
   joined to («في العراق وسوريا», «دبي، الإمارات»), or belongs to a coast or
   border behind «لـ» («السواحل الغربية لليمن»); it is an actor as a backer
   («المدعومة من إيران»), a sponsor («برعاية كل من روسيا»), an attacker
   («قصف من تركيا»), the government an answer is asked of («تفسير من
   موسكو») or one draws near to («التقرب من إيران», «أقرب إلى إيران»).
   «كل من» opens a list, no source: the word before it decides («في كل من
   سوريا والعراق», «أعلنت كل من السعودية»). A capital (دمشق too) is a place
   only after such a word or a part of a city («بضواحي دمشق»); elsewhere it
   stands for its government («اتهمت أنقرة», «تنفيه دمشق»), which is its
   country as an actor. A country's name that opens with a noun of territory
   («الأراضي الفلسطينية») names a location wherever it stands.
2. Adjectives naming a state: a collective (الروس) by itself, a nisba
   (الروسية) only when it qualifies a noun of force or power (الطائرات
   الحربية الروسية) or of territory (الأراضي العراقية); elsewhere
   (الملف السوري, دولار أمريكي) it names nothing, nor before «المشتركة»
   («القوات اليمنية المشتركة»: joint forces are no one state). «الجانب»
   with a nationality is the party of a talk, an actor, but before «من» the
   side of a place, a location («الجانب السوري من مرتفعات الجولان»).
3. Unknown names after a trigger word (ميليشيا «…», لواء …, قرية …, مخيم …),
   reported with ids ``new:<kind>:<normalized name>``. A word written with a
   hamza the trigger does not have is no trigger («وأدى» is no «وادي»), and a
   word that opens no name (جديدة) is no name a place word gives context to
   («مناطق جديدة»). A trigger behind كـ is none («كتلة» is a bloc, no «تلة»),
   and a noun joined by و to a trigger before a known name shares that name
   («مدينة وميناء الحديدة»: no place «وميناء»).
4. Names glued together (ديرالزوردمشق), split into known names.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from arsearch import native
from arsearch.extract.gazetteer import Entry, Gazetteer, Key, clitic_variants, normalize_word
from arsearch.models import Mention, discovered_id
from arsearch.text.analyzer import default_analyzer
from arsearch.text.chars import TEH_MARBUTA
from arsearch.text.normalize import normalize, strip_marks
from arsearch.text.tokenize import Token, tokenize

#: The compiled twin of ``_norms_and_starts`` (None: pure Python).
_cgaz = native.load("arsearch.extract._cgaz")

# --- trigger words, normalized (teh marbuta folded to heh)

#: Place words whose next word is a name: trigger -> (type, name includes trigger, strong).
#: A strong trigger takes any following word; a weak one only a definite word.
PLACE_TRIGGERS: dict[str, tuple[str, bool, bool]] = {
    "مدينه": ("city", False, True), "مدينتي": ("city", False, True),
    "بلده": ("town", False, True), "بلدتي": ("town", False, True),
    "قريه": ("village", False, True), "قريتي": ("village", False, True),
    "قضاء": ("district", False, True), "محافظه": ("governorate", False, True),
    "حي": ("district", False, False),
    "ريف": ("region", True, True), "ريفي": ("region", True, True),
    "باديه": ("region", True, True), "باديتي": ("region", True, True),
    "مخيم": ("facility", True, True), "سجن": ("facility", True, True),
    "منطقه": ("region", False, False), "منطقتي": ("region", False, False),
    "جبل": ("landmark", True, False), "نهر": ("landmark", True, False),
    "تبه": ("landmark", True, False), "تله": ("landmark", True, False),
    "وادي": ("landmark", True, False), "سد": ("facility", True, False),
    "حقل": ("facility", True, False), "مطار": ("facility", True, False),
    "قاعده": ("facility", True, False), "معبر": ("facility", True, False),
    "ملعب": ("facility", False, False),
}
#: Actor words: trigger -> (type, name includes trigger).
ACTOR_TRIGGERS: dict[str, tuple[str, bool]] = {
    "ميليشيا": ("militia", False), "ميليشيات": ("militia", False),
    "مليشيا": ("militia", False), "مليشيات": ("militia", False),
    "فصيل": ("armed_group", False), "تنظيم": ("armed_group", False),
    "جماعه": ("armed_group", False), "شركه": ("company", False),
    "لواء": ("armed_group", True), "كتائب": ("armed_group", True),
    "سرايا": ("armed_group", True),
    "كتيبه": ("unit", True), "فرقه": ("unit", True), "الفرقه": ("unit", True),
    "فوج": ("unit", True), "الفوج": ("unit", True), "فيلق": ("unit", True),
    "الفيلق": ("unit", True), "حركه": ("organization", True), "حزب": ("party", True),
    "جبهه": ("armed_group", True), "تجمع": ("armed_group", True), "جيش": ("armed_group", True),
    "قناه": ("media", False), "وكاله": ("media", False), "صحيفه": ("media", False),
    "جريده": ("media", False), "موقع": ("media", False), "شبكه": ("media", False),
    "منصه": ("media", False), "اذاعه": ("media", False), "مجله": ("media", False),
}
#: Place words after which a name that is also a common word may count.
_CONTEXT_TRIGGERS = frozenset(
    {"مدينه", "مدينتي", "بلده", "بلدتي", "قريه", "قريتي", "ناحيه", "قضاء", "ريف", "محافظه",
     "منطقه", "منطقتي", "مناطق"}
)
_CITY_LEVEL = frozenset({"city", "capital", "town", "village", "district", "facility"})
_PREFERRED_TYPES = {
    "city": _CITY_LEVEL, "town": _CITY_LEVEL, "village": _CITY_LEVEL, "district": _CITY_LEVEL,
    "governorate": frozenset({"governorate"}), "region": frozenset({"governorate", "region"}),
}

#: Nouns an adjective of nationality turns into the state acting (القوات الروسية),
#: and the indefinite «عسكرية» (مواقع عسكرية سورية: the state's positions).
#: Not the irregular groups a nationality only gives an origin to (الفصائل
#: العراقية are Iraqi factions, not the Iraqi state).
ACTOR_HEADS = frozenset(normalize(w) for w in """
قوات القوات جيش الجيش الجنود جنود العسكريين الطيران طيران الطائرات طائرات المقاتلات
مقاتلات المروحيات مروحيات الحكومه حكومه الخارجيه وزاره وزير الدفاع الرئاسه الرئيس
الميليشيات ميليشيات المليشيات مليشيات الغارات غارات القصف قصف الضربات ضربات البحريه
الشرطه الاستخبارات المخابرات الامن السلطات السلطه النظام الاحتلال الهجمات الهجوم
المدفعيه العمليه العمليات القاعده القواعد المستشارين مستشارين النفوذ الدوريات الدوريه
دوريات الوفد المسؤولين مسؤولين الجانب الدبلوماسيه الحرس الوحدات البوارج
الصواريخ صواريخ المسيرات المسيره الطائره الاداره السفاره الموقف الدعم الرتل رتل الارتال
عسكريه
المرتزقه الشركات القيادة القياده التدخل الوجود العسكري
""".split())
#: Nouns an adjective of nationality turns into the country as a place.
PLACE_HEADS = frozenset(normalize(w) for w in """
الاراضي اراضي الحدود حدود العاصمه المدن مدن الاراضي الداخل الساحل البلاد المحافظات
الارض الاقليم المناطق
""".split())
#: Words before a country name that make it a place rather than an actor.
LOCATIVES = frozenset(normalize(w) for w in """
في الي إلى من داخل خارج شمال جنوب شرق غرب شمالي جنوبي شرقي غربي وسط عبر نحو حدود
الحدود اراضي أراضي انحاء أنحاء عمق ارجاء أرجاء مدن محافظات مناطق بلاد زار زيارة زياره
قرب بالقرب اتجاه باتجاه ضواحي أطراف اطراف أحياء احياء محيط الأراضي
""".split())
#: Words before a capital that make it a place, beside LOCATIVES (العاصمة أنقرة).
_CAPITAL_PLACE = frozenset(normalize(w) for w in "العاصمة عاصمة".split())
#: Adjectives that make a body's short name a national body's: «مجلس الأمن
#: القومي» is a country's council, not the UN Security Council (مجلس الأمن).
_NATIONAL = frozenset(normalize(w) for w in "القومي الوطني القومية الوطنية".split())
#: Words before «مع» + country that make the country a place (الحدود مع العراق).
_BORDER = frozenset(normalize(w) for w in "الحدود حدود الحدودي الحدودية حدودها حدوده".split())
#: Signs after a dateline's place («دبي، الإمارات العربية المتحدة (CNN)—», «موسكو -»);
#: not a colon, which follows a speaker («روسيا: أسقطنا …»).
_DATELINE_END = "(-–—"
_DATELINE_WORDS = 2  # words of a line that may stand before a dateline's country
#: Indefinite plurals news qualifies by a nationality (فصائل سورية): a feminine
#: nisba after them that is also a country's name (سورية) is the adjective.
_QUALIFIED = frozenset(normalize(w) for w in """
فصائل قوات مواقع وسائل جماعات ميليشيات مليشيات مصادر أطراف جهات شركات طائرات مقاتلات
""".split())
#: Non-state forces: a nationality after them, even behind a noun of force, is
#: their origin, not the state («قوات المقاومة الوطنية اليمنية», «قوات
#: المعارضة السورية» are no Yemeni or Syrian state).
_NON_STATE = frozenset(normalize(w) for w in "المقاومة المعارضة الفصائل الثوار".split())
#: «المشتركة» (joint) right after a nationality: forces of several sides
#: (government forces and resistance, «القوات اليمنية المشتركة»), which the
#: nationality gives an origin only, not the state.
_JOINT = frozenset(normalize(w) for w in "المشتركة المشترك".split())
#: Words before «إلى» + country that make the country the addressee, an actor
#: («رسالة موجهة إلى إيران»: a message to its government).
_ADDRESSED = frozenset(normalize(w) for w in "موجهة موجه الموجهة الموجه موجهه".split())
_TO = frozenset(normalize(w) for w in "إلى الى".split())
#: Verbs of witnessing right before a country make it the scene of what it
#: witnesses, a place («النزاع الذي تشهده سوريا», «يشهد اليمن حربا»).
_SCENE = frozenset(normalize(w) for w in """
تشهد يشهد تشهده يشهده تشهدها يشهدها شهدت شهد شهدته شهدها شهدتها
""".split())
#: Words that make a country right after them (or after «كل من») its sponsor or
#: mediator, an actor: «برعاية روسيا», «برعاية كل من روسيا وتركيا وإيران».
_SPONSORING = frozenset(normalize(w) for w in """
برعاية رعاية وبرعاية بوساطة وساطة وبوساطة
""".split())
#: Nouns of attack before «من» + country: the country is the attacker, an actor
#: («تعرضت إلى قصف من تركيا»), not a location.
_ATTACKS = frozenset(normalize(w) for w in """
قصف القصف قصفا غارات الغارات غارة هجوم الهجوم هجمات الهجمات ضربات الضربات نيران النيران
اعتداء اعتداءات الاعتداء الاعتداءات
""".split())
#: Words of buying and importing: «من» + country a few words after one in the
#: same phrase names the seller, a party to the sale («شراءها مقاتلات وصواريخ
#: أرض جو من روسيا»), no location (``_ACQUIRING_SPAN`` words between at most).
#: Smuggling is not here: the smugglers are seldom the state of origin.
_ACQUIRING = frozenset(normalize(w) for w in """
شراء الشراء شراءها شرائها شراءه شرائه شرائهم اشترت اشترى تشتري يشتري اشترتها
استيراد الاستيراد استيرادها استوردت استورد تستورد يستورد مستوردة المستوردة
""".split())
_ACQUIRING_SPAN = 5
#: Words of ties before «بـ» + country or capital: the country is the state one
#: is tied to, an actor («مسلحين مرتبطين بروسيا», «على صلة بإيران»), not a
#: location (the «بـ» of ties is no «in»).
_TIED = frozenset(normalize(w) for w in """
مرتبط مرتبطة مرتبطين مرتبطون مرتبطان المرتبط المرتبطة المرتبطين المرتبطون
ارتباط الارتباط ارتباطه ارتباطها ارتباطهم ارتباطات صلة صلات الصلة صلته صلتها صلاتها
علاقة علاقات العلاقة العلاقات علاقته علاقتها علاقاتها علاقاته علاقتهم علاقاتهم
""".split())
#: Geographic nouns a country behind «لـ» belongs to, a location: «السواحل
#: الغربية لليمن», «الحدود الشمالية لسوريا» (adjectives may stand between).
_PART_OF = frozenset(normalize(w) for w in """
السواحل الساحل سواحل ساحل الشواطئ شواطئ المياه مياه الحدود حدود الأراضي أراضي
شمال جنوب شرق غرب الشمال الجنوب الشرق الغرب وسط عمق أنحاء العاصمة عاصمة المدن مدن
المحافظات محافظات المناطق مناطق الجزء أجزاء الأجزاء
""".split())
#: Nouns of explaining, answering and asking before «من» + country or capital:
#: the country is the government that owes or gives the answer, an actor
#: («مهلة لتلقي تفسير من موسكو», «طلب من إيران»), not a location.
_ANSWERS = frozenset(normalize(w) for w in """
تفسير تفسيرا تفسيرات التفسير توضيح توضيحا توضيحات التوضيح إيضاح إيضاحات ايضاحات رد ردا
الرد ردود الردود جواب جوابا إجابة اجابة إجابات طلب طلبا الطلب اعتذار اعتذارا الاعتذار
ضمانات ضمانة الضمانات تعهد تعهدا تعهدات التعهد
""".split())
#: Nouns of rapprochement before «من» or «إلى» + country or capital, and
#: «أقرب» before «إلى»: the country is the government one draws near to, an
#: actor («التقرب من إيران», «قطر الآن أقرب إلى إيران»), not a location.
_RAPPROCHEMENT = frozenset(normalize(w) for w in """
التقرب تقرب تقربا تقربها التقارب تقارب تقاربا تقاربها
""".split())
_CLOSER = frozenset(normalize(w) for w in "أقرب الأقرب".split())
#: «كل» of «كل من» ("each of"), before a list of countries.
_EACH = normalize("كل")
#: Words before «من» + country that make the country an actor (المدعومة من إيران).
_BACKING = frozenset(normalize(w) for w in """
مدعومة مدعوم مدعومين مدعومون المدعومة المدعوم المدعومين المدعومون بدعم دعم تمويل ممولة
الممولة الممول ممول مسلحة المسلحة
""".split())
#: Words that are never the start of an unknown name after a trigger (also the
#: verbs a place word is the subject of: «قرية تقع غربها», and those of the
#: control a relative clause says someone has over it: «قرية يسيطر عليها»).
_NOT_NAMES = frozenset(normalize(w) for w in """
كبيرة صغيرة مجاورة واحدة أخرى اخرى جديدة قريبة بعيدة حدودية عسكرية آمنة امنة محددة
واسعة مختلفة عدة كل بعض أي اي هذه هذا ذلك تلك التي الذي الواقعة الواقع المحيطة المذكورة
الخاضعة نفسها ذاتها الشرقي الغربي الشمالي الجنوبي الشرقية الغربية الشمالية الجنوبية
الشرقيين الغربيين الجنوبيين الشماليين الأوسط الحدودية العسكرية الآمنة الامنة
المنزوعة الصناعية السكنية المحتلة المحررة المنكوبة الخضراء ذات ضمن التابعة الموالية
الإرهابي الارهابي الإرهابية الارهابية المتطرف المتطرفة المسلح المسلحة الجهادي
الجهادية المعارض المعارضة المدعومة المدعوم الاحتلال الأمن الامن السير المرور الكرة
الأولى الاولى الثانية الثالثة المسلحين المسلحون سيطرة نفوذ عمليات
شرقي غربي شمالي جنوبي شرق غرب شمال جنوب وسط
قرب بالقرب قريب قريبا بمقربة مقربة عند حول بين خلف أمام امام تحت فوق قبالة محاذاة
بمحاذاة جوار بجوار داخل خارج
تقع يقع تقعان يقعان تمتد يمتد تبعد يبعد تتبع يتبع تضم يضم
يسيطر تسيطر يخضع تخضع
""".split())
#: First words of compound place names: the next word belongs to the name.
_COMPOUND_HEADS = frozenset(normalize(w) for w in """
دير عين تل كفر خربة خربه جسر رأس راس بئر بير أبو ابو أم ام بيت مزرعة مزرعه قصر سوق بني
حوش مرج تلة تله جب قلعة قلعه رام لوس سان الملك الامير الأمير الشيخ
""".split())
#: Actor triggers whose unquoted sequel is too often not a name (تنظيم = "organizing").
_QUOTED_ONLY = frozenset({"تنظيم", "تجمع", "شركه", "حركه", "جماعه", "قناه", "وكاله", "صحيفه",
                          "جريده", "موقع", "شبكه", "منصه", "اذاعه", "مجله"})
#: Unit triggers (فرقة, فوج …) take an unquoted sequel only if it is a number or an ordinal.
_ORDINALS = frozenset(normalize(w) for w in """
الأولى الثانية الثالثة الرابعة الخامسة السادسة السابعة الثامنة التاسعة العاشرة
الأول الثاني الثالث الرابع الخامس السادس السابع الثامن التاسع العاشر
""".split())
#: Alefs with a hamza. Folding drops the hamza for matching, but a trigger
#: written without one is another word when the text writes one: «وأدى
#: النزاع» (a verb, "and the conflict led") is no «وادي» (a wadi). Only the
#: triggers in _HAMZA_TRIGGERS are written with one (إذاعة).
_HAMZA_ALEFS = frozenset("أإآ")
_HAMZA_TRIGGERS = frozenset({"اذاعه"})
#: The clitic كـ ("as", "like"): a trigger word behind it is no trigger
#: («كتلة الحزب», a parliamentary bloc, is no ك + «تلة», a hill; «كمدينة
#: سياحية» names no city).
_LIKE = "ك"
#: «الجانب» (the side, also a party to a talk) before a nationality.
_SIDE = frozenset(normalize(w) for w in "الجانب جانب".split())
_QUOTES = frozenset("\"'“”„«»‘’")
_NO_QUOTES = str.maketrans(dict.fromkeys(_QUOTES, " "))
_BREAKS = frozenset(".,،؛;:!?؟()[]{}|/\n")
_ARTICLE = "ال"
_GLUED_MIN = 7  # shorter unknown words are not tried as glued names
_PASSIVE_WORDS = 1 << 17  # words remembered by ``_Matcher.is_passive``
_SEEN_WORDS = 1 << 16  # token texts remembered by ``_Matcher.word``
_PIECE_MIN = 4  # each piece of a glued word is a name of at least this length
_HEAD_WINDOW = 3  # words an adjective may stand after its noun (الطائرات الحربية الروسية)
_MAX_QUOTED = 6  # words in a quoted name
_MAX_UNQUOTED = 3


@dataclass(frozen=True, slots=True)
class _Name:
    rest: Key  # words after the first
    ids: tuple[str, ...]
    context: bool  # needs a place word before it
    exact: str | None  # short upper-case Latin alias (IS, UN): compared as written


class _Matcher:
    """Gazetteer names indexed by their first normalized word."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.first: dict[str, list[_Name]] = {}
        self.compact: dict[str, tuple[str, ...]] = {}
        exact = {}
        for entry in gazetteer:
            for name in entry.names:
                if name.isascii() and name.isupper() and len(name) <= 3:
                    exact[normalize(name)] = name
        for table, context in ((gazetteer.names, False), (gazetteer.context_names, True)):
            for key, ids in table.items():
                if context:
                    # A place word is the context of a place only: «منطقة
                    # الهلال النفطي» is no football club, «مدينة القاعدة» no
                    # armed group. An actor's common-word name is left to the
                    # tagger's evidence (ner.NameRules).
                    ids = [i for i in ids if (e := gazetteer.get(i)) is not None
                           and e.kind == "place"]
                    if not ids:
                        continue
                case = exact.get(key[0]) if len(key) == 1 else None
                name = _Name(key[1:], tuple(ids), context, case)
                self.first.setdefault(key[0], []).append(name)
                glued = "".join(key)
                if not context and len(glued) >= _PIECE_MIN:
                    self.compact.setdefault(glued, tuple(ids))
                    if len(key) > 1:  # ديرالزور: a multi-word name written as one
                        self.first.setdefault(glued, []).append(_Name((), tuple(ids), False, None))
        for names in self.first.values():
            names.sort(key=lambda n: -len(n.rest))
        #: The longest name of ``compact``: no longer head can be one.
        self.longest = max(map(len, self.compact), default=0)
        #: Words (clitics removed) at which some rule may start; see ``_Scan.run``.
        self.starts = frozenset(self.first).union(
            gazetteer.adjectives, PLACE_TRIGGERS, ACTOR_TRIGGERS)
        #: Normalized word -> whether every rule passes it by (most words), as seen so far.
        self.passive: dict[str, bool] = {}
        #: Token text -> (normalized word, passive), as seen so far; see ``word``.
        self.words: dict[str, tuple[str, bool]] = {}

    def word(self, text: str) -> tuple[str, bool]:
        """A token's normalized word and whether it is passive. Remembered per
        text, so most tokens cost the scan one look-up."""
        if len(self.words) >= _SEEN_WORDS:
            self.words.clear()
        norm = normalize_word(text)
        passive = self.passive.get(norm)
        if passive is None:
            passive = self.is_passive(norm)
        found = self.words[text] = (norm, passive)
        return found

    def is_passive(self, word: str) -> bool:
        """Whether no rule can start at a normalized word: it starts no name,
        adjective or trigger under any reading of its clitics, and no reading
        of it is glued names. Remembered per word."""
        if len(self.passive) >= _PASSIVE_WORDS:
            self.passive.clear()
        variants = clitic_variants(word)
        found = None if _cgaz is None else _cgaz.passive(
            word, variants, self.starts, self.compact, _GLUED_MIN, _PIECE_MIN, self.longest)
        if found is None:  # pure Python, or a word glued from very many names
            found = all(w not in self.starts for _, w in variants) and (
                len(word) < _GLUED_MIN or not any(self.split(w) for _, w in variants))
        self.passive[word] = found
        return found

    def split(self, word: str) -> list[tuple[str, tuple[str, ...]]] | None:
        """Cut a word into two or more known names, longest first piece first."""
        if word in self.compact:
            return None  # a whole known name would have matched already
        for cut in range(min(len(word) - _PIECE_MIN, self.longest), _PIECE_MIN - 1, -1):
            head = word[:cut]
            ids = self.compact.get(head)
            if ids is None:
                continue
            tail = word[cut:]
            if tail in self.compact:
                return [(head, ids), (tail, self.compact[tail])]
            more = self.split(tail)
            if more:
                return [(head, ids), *more]
        return None


def _matcher(gazetteer: Gazetteer) -> _Matcher:
    matcher = gazetteer._matcher
    if not isinstance(matcher, _Matcher):
        matcher = gazetteer._matcher = _Matcher(gazetteer)
    return matcher


def find_entities(text: str, gazetteer: Gazetteer | None = None) -> list[Mention]:
    """Actors and places mentioned in ``text``, in order, never overlapping.

    Offsets index the original ``text``; ``name`` is the canonical Arabic name.
    Unknown names found after a trigger word get ids ``new:<kind>:<name>``.

    >>> [(m.id, m.text) for m in find_entities("هاجم دا.عــش بلدة #كُباجب")]
    [('isis', 'دا.عــش'), ('sy-kabajeb', 'كُباجب')]
    """
    gazetteer = gazetteer if gazetteer is not None else Gazetteer.load()
    return _Scan(text, _matcher(gazetteer)).run()


class _Scan:
    """One pass over one text."""

    def __init__(self, text: str, matcher: _Matcher) -> None:
        self.text = text
        self.m = matcher
        self.g = matcher.gazetteer
        self.tokens: list[Token] = list(tokenize(text))
        self.norms, self.starts = _norms_and_starts(self.tokens, matcher)
        self.mentions: list[Mention] = []
        self.free_from = 0  # first token not inside a mention

    def run(self) -> list[Mention]:
        i = 0  # the first token not yet passed
        for start in self.starts:  # every rule passes the other tokens by
            if start < i:
                continue
            end = (self._known(start) or self._adjective(start) or self._discovered(start)
                   or self._glued(start))
            i = max(end, start + 1)
        return self.mentions

    # --- rules

    def _known(self, i: int) -> int:
        found = self._lookup(i)
        if found is None:
            return 0
        end, cut, name = found
        for k in range(i + 1, end):
            later = self._lookup(k)
            if later is not None and later[0] > end:
                return 0  # قوات التحالف العربي: التحالف العربي runs further and wins
        trigger = self._trigger_before(i)
        entry = self._choose(name.ids, trigger)
        if (entry.type == "organization" and end < len(self.tokens)
                and self.norms[end] in _NATIONAL and self._adjacent(end - 1, end)):
            return 0  # «مجلس الأمن القومي»: a national body the short name does not mean
        if end == i + 1 and trigger is None and self._qualifies(i, cut, entry):
            return 0  # «فصائل سورية»: the adjective, read by ``_adjective``
        seat, place = self._seat(name.ids, entry, trigger)
        kind = self._kind(seat or entry, i, cut, trigger, end)
        if seat is not None and kind[0] == "actor":
            entry = self.g.get(seat.parent) or seat  # «اتهمت أنقرة»: Turkey acts
        elif seat is not None:
            entry, kind = place, ("place", place.type)
        self._emit(entry, i, end, cut, kind)
        return end

    def _seat(self, ids: tuple[str, ...], entry: Entry, trigger: str | None
              ) -> tuple[Entry | None, Entry]:
        """(the capital a name may be read as, the entry it is as a place). A
        capital that shares its name with a governorate of its own country
        (دمشق) decides the reading only: as a place the name is the governorate
        or the city the place word asks for (``_choose`` without the capital),
        as it was before the capital was known."""
        entries = [e for e in (self.g.get(i) for i in ids) if e is not None]
        seat = next((e for e in entries if e.type == "capital"), None)
        if seat is None:
            return None, entry
        if not any(e.type == "governorate" and e.parent == seat.parent for e in entries):
            return seat, entry
        return seat, self._choose(tuple(e.id for e in entries if e.type != "capital"), trigger)

    def _lookup(self, i: int) -> tuple[int, int, _Name] | None:
        """Longest gazetteer name starting at token i: (end token, clitic cut, name)."""
        best: tuple[int, int, _Name] | None = None
        names_at = _names_at if _cgaz is None else _cgaz.names_at
        for end, cut, name in names_at(self.norms, i, clitic_variants(self.norms[i]),
                                       self.m.first):
            if best is not None and end <= best[0]:
                continue
            if name.rest and not self._joined(i, end):
                continue
            if name.exact is not None and self.tokens[i].text[cut:] != name.exact:
                continue
            if name.context and (self._trigger_before(i) not in _CONTEXT_TRIGGERS
                                 or self.norms[i][cut:] in _NOT_NAMES):
                continue  # «مناطق جديدة»: new areas, no village جديدة
            best = (end, cut, name)
        return best

    def _adjective(self, i: int) -> int:
        for cut, word in clitic_variants(self.norms[i]):
            for entry_id, collective in self.g.adjectives.get(word, ()):
                entry = self.g.get(entry_id)
                if entry is None:
                    continue
                if entry.type != "country":  # داعشي, الدواعش: the group itself
                    self._emit(entry, i, i + 1, cut, (entry.kind, entry.type))
                    return i + 1
                if collective and not self._after_definite_noun(i):
                    self._emit(entry, i, i + 1, cut, ("actor", "state"))
                    return i + 1
                head = self._head(i)
                if head is not None:
                    first, head_cut, kind = head
                    if kind == "actor" and self._side_of(first, head_cut, i):
                        kind = "place"  # «الجانب السوري من مرتفعات الجولان»: a side of a place
                    self._emit(entry, first, i + 1, head_cut,
                               (kind, "state" if kind == "actor" else "country"))
                    return i + 1
        return 0

    def _discovered(self, i: int) -> int:
        trigger = self._trigger_word(i)
        if trigger is None or i + 1 >= len(self.tokens) or self._lookup(i + 1) is not None:
            return 0
        if trigger in PLACE_TRIGGERS:
            kind, (type_, with_trigger, strong) = "place", PLACE_TRIGGERS[trigger]
        else:
            kind, (type_, with_trigger), strong = "actor", ACTOR_TRIGGERS[trigger], False
        end = self._name_after(i, strong, numbers=type_ == "unit")
        quoted = end is not None and any(
            c in _QUOTES for c in self.text[self.tokens[i].end:self.tokens[i + 1].start])
        if end is None or not quoted and (
            trigger in _QUOTED_ONLY
            or type_ == "unit" and not (self.norms[i + 1].isdigit()
                                        or self.norms[i + 1] in _ORDINALS)
        ):
            return 0
        first = i if with_trigger else i + 1
        cut = self._cut_of(i, trigger) if with_trigger else 0
        start = self.tokens[first].start + cut
        surface = self.text[start:self.tokens[end - 1].end]
        words = [self.norms[k] for k in range(first, end)]
        if with_trigger:
            words[0] = trigger
        name = " ".join(strip_marks(self.tokens[k].text) for k in range(first, end))
        if with_trigger:
            name = strip_marks(surface)
        self.mentions.append(Mention(
            kind=kind, type=type_, id=discovered_id(kind, " ".join(words)), name=name,
            text=surface, start=start, end=start + len(surface),
        ))
        self.free_from = end
        return end

    def _glued(self, i: int) -> int:
        word = self.norms[i]
        if len(word) < _GLUED_MIN:
            return 0
        for cut, rest in clitic_variants(word):
            pieces = self.m.split(rest)
            if pieces:
                token = self.tokens[i]
                offsets = _offsets(token.text)
                position = cut
                for piece, ids in pieces:
                    entry = self._choose(ids, None)
                    start = token.start + offsets[position]
                    end = token.start + offsets[position + len(piece)]
                    kind = (self._kind(entry, i, cut, None, i + 1) if position == cut
                            else (entry.kind, entry.type))
                    self._add(entry, start, end, kind)
                    position += len(piece)
                self.free_from = i + 1
                return i + 1
        return 0

    # --- helpers

    def _trigger_word(self, i: int) -> str | None:
        hamza = any(c in _HAMZA_ALEFS for c in self.tokens[i].text)
        for cut, word in clitic_variants(self.norms[i]):
            if _LIKE in self.norms[i][:cut]:
                continue  # «كتلة» is a bloc, no ك + «تلة» (a hill)
            if (word in PLACE_TRIGGERS or word in ACTOR_TRIGGERS) and (
                    not hamza or word in _HAMZA_TRIGGERS):
                return word
        return None

    def _cut_of(self, i: int, word: str) -> int:
        for cut, variant in clitic_variants(self.norms[i]):
            if variant == word:
                return _offsets(self.tokens[i].text)[cut]
        return 0

    def _trigger_before(self, i: int) -> str | None:
        if i == 0 or i - 1 < self.free_from - 1:
            return None
        for _, word in clitic_variants(self.norms[i - 1]):
            if word in PLACE_TRIGGERS or word in _CONTEXT_TRIGGERS:
                return word
        return None

    def _choose(self, ids: tuple[str, ...], trigger: str | None) -> Entry:
        entries = [e for e in (self.g.get(i) for i in ids) if e is not None]
        if trigger is not None:
            type_ = PLACE_TRIGGERS[trigger][0] if trigger in PLACE_TRIGGERS else "district"
            wanted = _PREFERRED_TYPES.get(type_, frozenset())
            for entry in entries:
                if entry.type in wanted:
                    return entry
        return entries[0]

    def _kind(self, entry: Entry, i: int, cut: int, trigger: str | None,
              end: int) -> tuple[str, str]:
        """(kind, type) of a gazetteer mention of tokens i..end-1: a country or a capital
        is a place or its state by context (module doc)."""
        if entry.type not in ("country", "capital"):
            return entry.kind, entry.type
        place = ("place", entry.type)
        clitic = self.norms[i][:cut]
        if end - i > 1 and self.norms[i][cut:] in PLACE_HEADS:
            return place  # «الأراضي الفلسطينية»: a name of its territory, a location
        prev = self._prev_word(i) if i > 0 else ""
        if i > 1 and prev == "من" and _bare(self.norms[i - 2]) in _BACKING:
            return "actor", "state"  # المدعومة من إيران: the state backs, it is no location
        if i > 1 and prev in _TO and _bare(self.norms[i - 2]) in _ADDRESSED:
            return "actor", "state"  # رسالة موجهة إلى إيران: the addressee is the government
        if self._sponsored(i):
            return "actor", "state"  # برعاية كل من روسيا: the sponsor acts, it is no location
        if i > 1 and prev == "من" and _bare(self.norms[i - 2]) in _ATTACKS:
            return "actor", "state"  # قصف من تركيا: the attacker, not where it happened
        if i > 1 and prev == "من" and self._acquired(i - 1):
            return "actor", "state"  # شراء مقاتلات من روسيا: the seller, no location
        if i > 1 and prev == "من" and any(
                w in _ANSWERS for _, w in clitic_variants(self.norms[i - 2])):
            return "actor", "state"  # تفسير من موسكو: the government owes the answer
        if i > 1 and (prev == "من" or prev in _TO):
            closer = _RAPPROCHEMENT if prev == "من" else _RAPPROCHEMENT | _CLOSER
            if any(w in closer for _, w in clitic_variants(self.norms[i - 2])):
                return "actor", "state"  # التقرب من إيران, أقرب إلى إيران: its government
        if i > 2 and prev == "من" and self.norms[i - 2] == _EACH:
            # «كل من» ("each of") opens a list, no source: the word before it
            # decides («في كل من سوريا والعراق»: places; «أعلنت كل من
            # السعودية، والإمارات»: states that act)
            prev = self._prev_word(i - 2)
        if clitic.endswith("ب") and prev in _TIED and self._adjacent(i - 1, i):
            return "actor", "state"  # مرتبطين بروسيا: the state one is tied to
        if "ل" in clitic and self._part_of(i):
            return place  # السواحل الغربية لليمن: the coast belongs to the country
        if trigger is not None or "ب" in clitic or prev in LOCATIVES:
            return place
        if prev in _SCENE:
            return place  # النزاع الذي تشهده سوريا: the country is where it happens
        if prev in _CAPITAL_PLACE or self._joined_to_place(i, cut, entry) or self._dateline(i, end):
            return place
        if i > 1 and prev == "مع" and _bare(self.norms[i - 2]) in _BORDER:
            return place  # الحدود مع العراق: the border runs along the country
        return "actor", "state"

    def _side_of(self, head: int, cut: int, i: int) -> bool:
        """The noun of force at token ``head`` is «الجانب» (the side) and «من»
        follows the adjective at token i: the side of a place, a location
        («على الجانب السوري من مرتفعات الجولان»), not the party of a talk
        («أعلن الجانب السوري موافقته»)."""
        return (self.norms[head][cut:] in _SIDE and i + 1 < len(self.tokens)
                and self.norms[i + 1] == "من" and self._adjacent(i, i + 1))

    def _sponsored(self, i: int) -> bool:
        """Token i follows a word of sponsoring, directly or behind «كل من»
        («برعاية كل من روسيا»)."""
        if i > 0 and _bare(self.norms[i - 1]) in _SPONSORING:
            return True
        return (i > 2 and self.norms[i - 1] == "من" and self.norms[i - 2] == _EACH
                and _bare(self.norms[i - 3]) in _SPONSORING)

    def _acquired(self, i: int) -> bool:
        """A word of buying or importing stands before token i («من»), at most
        ``_ACQUIRING_SPAN`` words between, all in one phrase («شراءها مقاتلات
        وصواريخ أرض جو من روسيا»)."""
        for j in range(i - 1, max(i - 2 - _ACQUIRING_SPAN, -1), -1):
            if j < self.free_from or not self._adjacent(j, j + 1, quotes=True):
                return False
            if _bare(self.norms[j]) in _ACQUIRING:
                return True
        return False

    def _part_of(self, i: int) -> bool:
        """Token i (a country behind «لـ») follows a geographic noun, at most two
        definite adjectives between them, all in one phrase («السواحل الغربية لليمن»;
        quote marks do not break it: «قبالة السواحل الغربية" لليمن»)."""
        for j in range(i - 1, max(i - 4, -1), -1):
            if j < self.free_from or not self._adjacent(j, j + 1, quotes=True):
                return False
            if _bare(self.norms[j]) in _PART_OF:
                return True
            if not self.norms[j].startswith(_ARTICLE):
                return False
        return False

    def _joined_to_place(self, i: int, cut: int, entry: Entry) -> bool:
        """Token i is joined by و or a comma to a place mention just before it: a
        coordinated name shares its preposition («في العراق وسوريا», «بين قطاع
        غزة وإسرائيل»), a name after a comma is the place's own country or
        region («دبي، الإمارات»); a capital right after a place is its name
        («العاصمة الروسية موسكو»)."""
        if not self.mentions or i == 0 or self.mentions[-1].kind != "place":
            return False
        before = self.mentions[-1]
        gap = self.text[before.end:self.tokens[i].start]
        if "و" in self.norms[i][:cut]:
            return not gap.strip()  # the و is on token i: nothing else between
        if not gap.strip():
            return entry.type == "capital"
        return gap.strip() in ("و", "،", ",") and "\n" not in gap

    def _dateline(self, i: int, end: int) -> bool:
        """Tokens i..end-1 are in a line's dateline: at most two words before them
        and a few after them on their line, and then a bracket or a dash
        («موسكو - », «واشنطن، الولايات المتحدة (CNN)—»)."""
        line_start = self.text.rfind("\n", 0, self.tokens[i].start) + 1
        opening = self.text[line_start:self.tokens[i].start]
        if len(opening.split()) > _DATELINE_WORDS or any(c in opening for c in ".؟!:"):
            return False
        rest = self.text[self.tokens[end - 1].end:].split("\n", 1)[0]
        cut = min((k for k in map(rest.find, _DATELINE_END) if k >= 0), default=-1)
        if cut < 0:
            return False
        between = rest[:cut].strip()
        if between and not between.startswith(("،", ",")):
            return False  # «موسكو تحذر (…)»: a sentence, no dateline
        between = between.strip(" ،,")
        return len(between.split()) <= _DATELINE_WORDS * 2 and not any(
            c in between for c in ".؟!:\"«»")

    def _qualifies(self, i: int, cut: int, entry: Entry) -> bool:
        """Token i, a one-word name that is also a feminine nisba of its entry
        (سورية), qualifies the indefinite word before it: an indefinite nisba
        («مواقع عسكرية سورية»), a plural noun that news qualifies by
        nationality («فصائل سورية») or a feminine noun written with teh
        marbuta, which no verb ends with («ليست محكمة سورية»; not a noun of
        state or force, «حكومة سورية», nor before a definite name, which it
        is annexed to: «بقيادة السعودية»). An adjective, not the country; after
        any other word (a verb: «تدعم سورية») it stays the country."""
        if cut or i == 0 or entry.type != "country" or not self._adjacent(i - 1, i):
            return False
        if all(eid != entry.id for eid, _ in self.g.adjectives.get(self.norms[i], ())):
            return False
        prev = clitic_variants(self.norms[i - 1])[-1][1]
        feminine = (strip_marks(self.tokens[i - 1].text).endswith(TEH_MARBUTA)
                    and prev not in ACTOR_HEADS and not self.norms[i].startswith(_ARTICLE))
        return not self.norms[i - 1].startswith(_ARTICLE) and (
            prev in _QUALIFIED or prev.endswith("يه") and len(prev) > 3 or feminine)

    def _prev_word(self, i: int) -> str:
        word = self.norms[i - 1]
        return clitic_variants(word)[-1][1] if word not in LOCATIVES else word

    def _after_definite_noun(self, i: int) -> bool:
        if i == 0 or i - 1 < self.free_from or not self._adjacent(i - 1, i):
            return False
        return clitic_variants(self.norms[i - 1])[-1][1].startswith(_ARTICLE)

    def _head(self, i: int) -> tuple[int, int, str] | None:
        """Token, clitic cut and kind of the noun an adjective at token i qualifies
        (no noun of force when «المشتركة» follows it: joint forces are no one
        state, while «الحدود العراقية السورية المشتركة» are still the border)."""
        joint = (i + 1 < len(self.tokens) and self._adjacent(i, i + 1)
                 and self.norms[i + 1] in _JOINT)
        for j in range(i - 1, max(i - 1 - _HEAD_WINDOW, -1), -1):
            if j < self.free_from or not self._adjacent(j, j + 1):
                return None
            for cut, word in clitic_variants(self.norms[j]):
                if word in ACTOR_HEADS and joint:
                    return None
                if word in ACTOR_HEADS or word in PLACE_HEADS:
                    return j, cut, "actor" if word in ACTOR_HEADS else "place"
            if not self.norms[j].startswith(_ARTICLE):  # only adjectives may stand between
                return None
            if self.norms[j] in _NON_STATE:  # the adjective qualifies a non-state force
                return None
        return None

    def _joined(self, first: int, end: int) -> bool:
        """Tokens first..end-1 are one phrase: no sentence punctuation between them."""
        return not any(
            _BREAKS.intersection(self.text[self.tokens[k].end:self.tokens[k + 1].start])
            for k in range(first, end - 1)
        )

    def _adjacent(self, a: int, b: int, quotes: bool = False) -> bool:
        """Only spaces between tokens a and b (no punctuation; no quotes unless
        ``quotes``)."""
        gap = self.text[self.tokens[a].end:self.tokens[b].start]
        return not (gap.translate(_NO_QUOTES) if quotes else gap).strip()

    def _name_after(self, i: int, strong: bool, numbers: bool) -> int | None:
        """End token of the unknown name after trigger i, or None."""
        k = i + 1
        gap = self.text[self.tokens[i].end:self.tokens[k].start]
        if any(c in _QUOTES for c in gap):
            for end in range(k + 1, min(k + _MAX_QUOTED, len(self.tokens)) + 1):
                after = self.text[self.tokens[end - 1].end:
                                  self.tokens[end].start if end < len(self.tokens) else None]
                if any(c in _QUOTES for c in after):
                    return end
                if after.strip():
                    return None
            return None
        if gap.strip():
            return None
        first = self.norms[k]
        if first in _NOT_NAMES or self._stopword(first) or (first.isdigit() and not numbers):
            return None
        if first.startswith("لل"):  # مخيم للنازحين: "for the", not a name
            return None
        if self._coordinated(k):
            return None  # «مدينة وميناء الحديدة»: a second noun of the same name
        if not (first.startswith(_ARTICLE) or (numbers and first.isdigit()) or strong
                or first in _COMPOUND_HEADS):  # a weak trigger: تبة أبو عقال, حي أبو رمانة
            return None
        if strong and not first.startswith(_ARTICLE) and first.endswith(("يه", "ي")):
            return None  # an indefinite adjective: قرية سورية
        end = k + 1
        if first.isdigit():
            return end
        compound = first in _COMPOUND_HEADS
        while end < len(self.tokens) and end - k < _MAX_UNQUOTED and self._adjacent(end - 1, end):
            word = self.norms[end]
            if word in _NOT_NAMES or self._lookup(end) is not None or self._trigger_word(end):
                break
            if not (compound or (word.startswith(_ARTICLE) and not strong)):
                break
            compound = word in _COMPOUND_HEADS
            end += 1
        return end

    def _coordinated(self, k: int) -> bool:
        """Token k, right after a trigger, is a noun joined by و to it and
        followed by a known name: both nouns share the name («مدينة وميناء
        الحديدة», the city and port of Hodeidah), and و + noun is none."""
        word = self.norms[k]
        if word in PLACE_TRIGGERS or word in ACTOR_TRIGGERS:
            return False  # «وادي», «ولاية»: the و is the word's own
        return (word[:1] == "و" and len(word) > 3 and k + 1 < len(self.tokens)
                and self._adjacent(k, k + 1) and self._lookup(k + 1) is not None)

    def _stopword(self, word: str) -> bool:
        # The bundled stopwords, whatever an index searches with: what is
        # extracted from an article does not depend on its index's stopwords.
        # ``word`` is folded already, so it is compared with the folded list:
        # a function word never opens a name, however it is spelled (إلى and
        # الى, which would otherwise pass for a word with the article).
        return word in _folded_stopwords()

    def _emit(self, entry: Entry, first: int, end: int, cut: int, kind: tuple[str, str]) -> None:
        token = self.tokens[first]
        start = token.start + (_offsets(token.text)[cut] if cut else 0)
        self._add(entry, start, self.tokens[end - 1].end, kind)
        self.free_from = end

    def _add(self, entry: Entry, start: int, end: int, kind: tuple[str, str]) -> None:
        self.mentions.append(Mention(
            kind=kind[0], type=kind[1], id=entry.id, name=entry.name_ar,
            text=self.text[start:end], start=start, end=end,
        ))


def _norms_and_starts(tokens: list[Token], matcher: _Matcher) -> tuple[list[str], list[int]]:
    """Each token's normalized word, and the tokens at which a rule may start.

    Most words are passive (``_Matcher.is_passive``): the scan looks at the
    others only. ``_cgaz.scan`` is the compiled twin of this loop.
    """
    words = matcher.words
    if _cgaz is not None:
        return _cgaz.scan(tokens, words, matcher.word)
    norms, starts = [], []
    for i, token in enumerate(tokens):
        norm, passive = words.get(token.text) or matcher.word(token.text)
        norms.append(norm)
        if not passive:
            starts.append(i)
    return norms, starts


def _names_at(norms: list[str], i: int, variants: tuple[tuple[int, str], ...],
              first: dict[str, list[_Name]]) -> list[tuple[int, int, _Name]]:
    """(end token, clitic cut, name) of each name listed under a reading of
    token i whose later words follow it, in the order ``_Scan._lookup`` tries
    them. ``_cgaz.names_at`` is the compiled twin."""
    if not 0 <= i < len(norms):
        raise IndexError("token index out of range")
    found = []
    for cut, word in variants:
        for name in first.get(word, ()):
            end = i + 1 + len(name.rest)
            if end <= len(norms) and (not name.rest or tuple(norms[i + 1:end]) == name.rest):
                found.append((end, cut, name))
    return found


def _bare(word: str) -> str:
    """A normalized word without its conjunction (والمدعومة -> المدعومة)."""
    return word[1:] if word[:1] in "وف" and len(word) > 4 else word


def _offsets(word: str) -> list[int]:
    """Map each position of the normalized word to its offset in ``word``."""
    offsets = []
    for index, char in enumerate(word):
        offsets += [index] * len(normalize(char))
    offsets.append(len(word))
    return offsets


@cache
def _folded_stopwords() -> frozenset[str]:
    """The bundled stopwords folded as ``normalize_word`` folds a token (a cache of
    constant data: the bundled list)."""
    return frozenset(normalize_word(word) for word in default_analyzer().stopwords)
