/* Compiled twin of the analysis hot loops: light stemming (arsearch.text.stem),
 * tokenizing (arsearch.text.tokenize) and the loop of Analyzer.analyze_terms
 * (arsearch.text.analyzer).
 *
 * Every function here gives exactly what its pure-Python twin gives, for any
 * str, and raises the same exceptions; the tests compare both on the same
 * inputs. The stemming tables are constants of this file; the module exposes
 * them (TABLES) and stem.py uses this module only when they equal its own.
 * Per-stemmer data (protected names, lexicon counts) is passed in by the
 * caller; nothing here keeps state between calls.
 *
 * Segmentation follows tashaphyne's ArabicLightStemmer.segment as stem.py
 * configures it (prefix list "" + PROCLITICS, suffix list "" + SUFFIXES):
 * positions are computed on the word with each alef madda written as hamza +
 * alef, and its prefix and suffix trees are dicts in which '#' marks the end
 * of an affix, which the lookups below walk the same way (a '#' in a word
 * included).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* --- letters --------------------------------------------------------------- */

#define HAMZA 0x621
#define ALEF_MADDA 0x622
#define ALEF 0x627
#define TEH_MARBUTA 0x629
#define LAM 0x644
#define MEEM 0x645
#define HEH 0x647
#define YEH 0x64A
#define HASH_MARK 0x23 /* '#' */

#define MAX_AFFIX 5

typedef struct {
    int len;
    Py_UCS4 c[MAX_AFFIX];
} Affix;

/* stem.PROCLITICS, in its order. */
static const Affix PROCLITICS[] = {
    {1, {0x648}}, {1, {0x641}}, {1, {0x628}}, {1, {0x643}}, {1, {0x644}},
    {2, {0x627, 0x644}}, {2, {0x644, 0x644}}, {3, {0x648, 0x627, 0x644}},
    {3, {0x641, 0x627, 0x644}}, {3, {0x628, 0x627, 0x644}}, {3, {0x643, 0x627, 0x644}},
    {3, {0x648, 0x644, 0x644}}, {3, {0x641, 0x644, 0x644}}, {2, {0x648, 0x628}},
    {2, {0x641, 0x628}}, {2, {0x648, 0x643}}, {2, {0x641, 0x643}}, {2, {0x648, 0x644}},
    {2, {0x641, 0x644}}, {4, {0x648, 0x628, 0x627, 0x644}}, {4, {0x641, 0x628, 0x627, 0x644}},
    {4, {0x648, 0x643, 0x627, 0x644}}, {4, {0x641, 0x643, 0x627, 0x644}},
};

/* stem.SUFFIXES, in its order. */
static const Affix SUFFIXES[] = {
    {1, {0x629}}, {1, {0x647}}, {2, {0x647, 0x627}}, {2, {0x647, 0x645}},
    {3, {0x647, 0x645, 0x627}}, {2, {0x647, 0x646}}, {1, {0x643}}, {2, {0x643, 0x645}},
    {3, {0x643, 0x645, 0x627}}, {2, {0x643, 0x646}}, {2, {0x646, 0x627}}, {1, {0x64A}},
    {2, {0x627, 0x62A}}, {2, {0x627, 0x646}}, {2, {0x64A, 0x646}}, {2, {0x648, 0x646}},
    {2, {0x64A, 0x629}}, {2, {0x64A, 0x647}}, {2, {0x62A, 0x647}}, {3, {0x62A, 0x647, 0x627}},
    {3, {0x62A, 0x647, 0x645}}, {3, {0x627, 0x62A, 0x647}}, {4, {0x627, 0x62A, 0x647, 0x627}},
    {4, {0x627, 0x62A, 0x647, 0x645}}, {4, {0x627, 0x62A, 0x646, 0x627}},
    {3, {0x64A, 0x627, 0x62A}}, {3, {0x64A, 0x64A, 0x646}}, {3, {0x64A, 0x648, 0x646}},
    {2, {0x648, 0x627}}, {3, {0x62A, 0x64A, 0x646}}, {3, {0x62A, 0x627, 0x646}}, {1, {0x627}},
    {2, {0x648, 0x647}}, {3, {0x648, 0x647, 0x627}}, {3, {0x648, 0x647, 0x645}},
};

/* stem._NOUN_SUFFIXES */
static const Affix NOUN_SUFFIXES[] = {{2, {0x627, 0x62A}}, {1, {0x629}}};

/* stem._VERB_OBJECT_SUFFIXES */
static const Affix VERB_OBJECT_SUFFIXES[] = {
    {2, {0x648, 0x647}}, {3, {0x648, 0x647, 0x627}}, {3, {0x648, 0x647, 0x645}},
};

/* stem._NOT_ARTICLE */
static const Affix NOT_ARTICLE[] = {
    {4, {0x648, 0x627, 0x644, 0x62F}}, {5, {0x648, 0x627, 0x644, 0x62F, 0x62A}},
    {3, {0x628, 0x627, 0x644}}, {3, {0x627, 0x644, 0x641}},
};

/* stem._ARTICLE_STACKS, longest first (at most one of a length begins a word). */
static const Affix ARTICLE_STACKS[] = {
    {4, {0x648, 0x628, 0x627, 0x644}}, {4, {0x641, 0x628, 0x627, 0x644}},
    {3, {0x648, 0x627, 0x644}}, {3, {0x641, 0x627, 0x644}}, {3, {0x628, 0x627, 0x644}},
    {3, {0x648, 0x644, 0x644}}, {3, {0x641, 0x644, 0x644}},
    {2, {0x627, 0x644}}, {2, {0x644, 0x644}},
};

/* stem._ARTICLE_ENDINGS */
static const Affix ARTICLE_ENDINGS[] = {
    {2, {0x627, 0x644}}, {2, {0x644, 0x644}}, {3, {0x648, 0x627, 0x644}},
    {3, {0x641, 0x627, 0x644}}, {3, {0x628, 0x627, 0x644}}, {3, {0x643, 0x627, 0x644}},
    {3, {0x648, 0x644, 0x644}}, {3, {0x641, 0x644, 0x644}},
    {4, {0x648, 0x628, 0x627, 0x644}}, {4, {0x641, 0x628, 0x627, 0x644}},
    {4, {0x648, 0x643, 0x627, 0x644}}, {4, {0x641, 0x643, 0x627, 0x644}},
};

/* stem._BARE_CLITICS, in its order. */
static const Affix BARE_CLITICS[] = {
    {1, {0x648}}, {1, {0x641}}, {1, {0x628}}, {1, {0x643}}, {1, {0x644}},
    {2, {0x648, 0x628}}, {2, {0x641, 0x628}}, {2, {0x648, 0x643}}, {2, {0x641, 0x643}},
    {2, {0x648, 0x644}}, {2, {0x641, 0x644}}, {3, {0x648, 0x644, 0x644}},
    {3, {0x641, 0x644, 0x644}},
};

/* stem._AMBIGUOUS_PROCLITICS */
static const Py_UCS4 AMBIGUOUS[] = {0x648, 0x641, 0x628, 0x643, 0x644};

#define COUNT(table) ((Py_ssize_t)(sizeof(table) / sizeof((table)[0])))

#define MIN_STEM 3
#define LEXICON_MAX 5
#define LEXICON_MIN_COUNT 20

/* --- helpers on code point buffers ------------------------------------------ */

static int
same(const Py_UCS4 *s, Py_ssize_t n, const Affix *a)
{
    if (n != a->len)
        return 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (s[i] != a->c[i])
            return 0;
    return 1;
}

static int
in_table(const Py_UCS4 *s, Py_ssize_t n, const Affix *table, Py_ssize_t count)
{
    for (Py_ssize_t k = 0; k < count; k++)
        if (same(s, n, &table[k]))
            return 1;
    return 0;
}

static int
starts_with(const Py_UCS4 *s, Py_ssize_t n, const Affix *a)
{
    if (n < a->len)
        return 0;
    for (int i = 0; i < a->len; i++)
        if (s[i] != a->c[i])
            return 0;
    return 1;
}

static int
is_ambiguous(Py_UCS4 c)
{
    for (Py_ssize_t k = 0; k < COUNT(AMBIGUOUS); k++)
        if (AMBIGUOUS[k] == c)
            return 1;
    return 0;
}

/* s[0:n] with ة as ه, as a new str. */
static PyObject *
make_str(const Py_UCS4 *s, Py_ssize_t n, int teh_marbuta_as_heh)
{
    if (n <= 0)
        return PyUnicode_New(0, 0);
    Py_UCS4 maxchar = 0;
    int has_teh = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = s[i];
        if (teh_marbuta_as_heh && c == TEH_MARBUTA) {
            c = HEH;
            has_teh = 1;
        }
        if (c > maxchar)
            maxchar = c;
    }
    PyObject *out = PyUnicode_New(n, maxchar);
    if (out == NULL)
        return NULL;
    int kind = PyUnicode_KIND(out);
    void *data = PyUnicode_DATA(out);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = s[i];
        if (has_teh && c == TEH_MARBUTA)
            c = HEH;
        PyUnicode_WRITE(kind, data, i, c);
    }
    return out;
}

/* A str's code points, in buf when they fit (else a new PyMem buffer to free). */
typedef struct {
    Py_UCS4 *s;
    Py_ssize_t n;
    Py_UCS4 local[64];
    int owned;
} Word;

static int
word_from(PyObject *str, Word *w)
{
    w->n = PyUnicode_GET_LENGTH(str);
    w->owned = 0;
    w->s = w->local;
    if (w->n > (Py_ssize_t)(sizeof(w->local) / sizeof(Py_UCS4))) {
        if ((size_t)w->n > PY_SSIZE_T_MAX / sizeof(Py_UCS4) / 2) {
            PyErr_NoMemory();
            return -1;
        }
        w->s = PyMem_Malloc((size_t)w->n * sizeof(Py_UCS4));
        if (w->s == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        w->owned = 1;
    }
    int kind = PyUnicode_KIND(str);
    const void *data = PyUnicode_DATA(str);
    for (Py_ssize_t i = 0; i < w->n; i++)
        w->s[i] = PyUnicode_READ(kind, data, i);
    return 0;
}

static void
word_free(Word *w)
{
    if (w->owned)
        PyMem_Free(w->s);
    w->owned = 0;
}

/* --- tashaphyne's affix lookups ---------------------------------------------- */

/* A branch of tashaphyne's tree: a node (a dict of letters, with '#' -> the
 * affixes ending there when one does), the '#' dict of a node (affix -> "#"),
 * or the string "#" itself. */
enum { NODE, ENDS, MARK };

#define MAX_CUTS 16

/* Whether the letters path[0:n] followed by c begin a prefix. */
static int
begins_prefix(const Py_UCS4 *path, Py_ssize_t n, Py_UCS4 c)
{
    for (Py_ssize_t k = 0; k < COUNT(PROCLITICS); k++) {
        const Affix *a = &PROCLITICS[k];
        if (a->len < n + 1 || a->c[n] != c)
            continue;
        int ok = 1;
        for (Py_ssize_t i = 0; i < n && ok; i++)
            ok = a->c[i] == path[i];
        if (ok)
            return 1;
    }
    return 0;
}

static int
is_prefix(const Py_UCS4 *s, Py_ssize_t n)
{
    return n == 0 || in_table(s, n, PROCLITICS, COUNT(PROCLITICS));
}

/* Whether c followed by the letters tail[0:n] end a suffix. */
static int
ends_suffix(Py_UCS4 c, const Py_UCS4 *tail, Py_ssize_t n)
{
    for (Py_ssize_t k = 0; k < COUNT(SUFFIXES); k++) {
        const Affix *a = &SUFFIXES[k];
        if (a->len < n + 1 || a->c[a->len - n - 1] != c)
            continue;
        int ok = 1;
        for (Py_ssize_t i = 0; i < n && ok; i++)
            ok = a->c[a->len - n + i] == tail[i];
        if (ok)
            return 1;
    }
    return 0;
}

static int
is_suffix(const Py_UCS4 *s, Py_ssize_t n)
{
    return n == 0 || in_table(s, n, SUFFIXES, COUNT(SUFFIXES));
}

static void
string_index_error(void)
{
    PyErr_SetString(PyExc_TypeError, "string indices must be integers, not 'str'");
}

static int
add_cut(Py_ssize_t *cuts, int *count, Py_ssize_t at)
{
    if (*count >= MAX_CUTS) { /* cannot happen: the walk is at most a few letters deep */
        PyErr_SetString(PyExc_SystemError, "_ctext: too many affix cuts");
        return -1;
    }
    cuts[(*count)++] = at;
    return 0;
}

/* lookup_prefixes: the prefix ends found from the start of w. */
static int
lookup_prefixes(const Py_UCS4 *w, Py_ssize_t m, Py_ssize_t *lefts, int *count)
{
    int state = NODE;
    Py_ssize_t ends_len = 0; /* ENDS: the affix whose '#' dict this is, w[0:ends_len] */
    Py_ssize_t i = 0;        /* NODE: the path so far is w[0:i] */
    *count = 0;
    if (add_cut(lefts, count, 0) < 0)
        return -1;
    while (i < m) {
        Py_UCS4 c = w[i];
        int has;
        if (state == NODE)
            has = begins_prefix(w, i, c) || (c == HASH_MARK && is_prefix(w, i));
        else if (state == ENDS)
            has = ends_len == 1 && w[0] == c;
        else
            has = c == HASH_MARK;
        if (!has)
            break;
        int mark = state == NODE ? is_prefix(w, i) : state == MARK;
        if (mark && add_cut(lefts, count, i) < 0)
            return -1;
        if (state == NODE) {
            if (c == HASH_MARK) {
                state = ENDS;
                ends_len = i;
            }
        }
        else if (state == ENDS)
            state = MARK;
        else {
            string_index_error();
            return -1;
        }
        i++;
    }
    if (i < m) {
        int mark = state == NODE ? is_prefix(w, i) : state == MARK;
        if (mark && add_cut(lefts, count, i) < 0)
            return -1;
    }
    return 0;
}

/* lookup_suffixes: the suffix starts found from the end of w. */
static int
lookup_suffixes(const Py_UCS4 *w, Py_ssize_t m, Py_ssize_t *rights, int *count)
{
    int state = NODE;
    Py_ssize_t ends_at = m; /* ENDS: the affix whose '#' dict this is, w[ends_at:m] */
    Py_ssize_t i = m - 1;   /* NODE: the path so far is w[i+1:m] */
    *count = 0;
    while (i >= 0) {
        Py_UCS4 c = w[i];
        int has;
        if (state == NODE)
            has = ends_suffix(c, w + i + 1, m - i - 1)
                  || (c == HASH_MARK && is_suffix(w + i + 1, m - i - 1));
        else if (state == ENDS)
            has = m - ends_at == 1 && w[ends_at] == c;
        else
            has = c == HASH_MARK;
        if (!has)
            break;
        int mark = state == NODE ? is_suffix(w + i + 1, m - i - 1) : state == MARK;
        if (mark && add_cut(rights, count, i + 1) < 0)
            return -1;
        if (state == NODE) {
            if (c == HASH_MARK) {
                state = ENDS;
                ends_at = i + 1;
            }
        }
        else if (state == ENDS)
            state = MARK;
        else {
            string_index_error();
            return -1;
        }
        i--;
    }
    if (i >= 0) {
        int mark = state == NODE ? is_suffix(w + i + 1, m - i - 1) : state == MARK;
        if (mark && add_cut(rights, count, i + 1) < 0)
            return -1;
    }
    return 0;
}

typedef struct {
    Py_ssize_t left, right;
} Cut;

#define MAX_SEGMENTS (MAX_CUTS * MAX_CUTS + 1)

/* segment(): (0, len) and every (left, right) with right >= left + 2, positions
 * on the word with آ as ءا. Returns the number of segmentations, -1 on error. */
static int
segmentations(const Word *w, Cut *out)
{
    Py_ssize_t maddas = 0;
    for (Py_ssize_t i = 0; i < w->n; i++)
        maddas += w->s[i] == ALEF_MADDA;
    const Py_UCS4 *r = w->s;
    Py_ssize_t m = w->n;
    Py_UCS4 *spelled = NULL;
    if (maddas) {
        m = w->n + maddas;
        spelled = PyMem_Malloc((size_t)m * sizeof(Py_UCS4));
        if (spelled == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        Py_ssize_t j = 0;
        for (Py_ssize_t i = 0; i < w->n; i++) {
            if (w->s[i] == ALEF_MADDA) {
                spelled[j++] = HAMZA;
                spelled[j++] = ALEF;
            }
            else
                spelled[j++] = w->s[i];
        }
        r = spelled;
    }
    Py_ssize_t lefts[MAX_CUTS], rights[MAX_CUTS];
    int nl, nr;
    int failed = lookup_prefixes(r, m, lefts, &nl) < 0 || lookup_suffixes(r, m, rights, &nr) < 0;
    PyMem_Free(spelled);
    if (failed)
        return -1;
    int count = 0;
    out[count].left = 0;
    out[count++].right = m;
    for (int a = 0; a < nl; a++)
        for (int b = 0; b < nr; b++)
            if (rights[b] >= lefts[a] + 2) {
                out[count].left = lefts[a];
                out[count++].right = rights[b];
            }
    return count;
}

/* --- stem.py's choice among the segmentations -------------------------------- */

static Py_ssize_t
clamp(Py_ssize_t at, Py_ssize_t n)
{
    return at < n ? at : n;
}

/* _article_in_stem(word, left, right) */
static int
article_in_stem(const Word *w, Py_ssize_t left, Py_ssize_t right)
{
    const Py_UCS4 *s = w->s;
    Py_ssize_t n = w->n;
    for (Py_ssize_t k = 0; k < COUNT(ARTICLE_STACKS); k++) {
        const Affix *stack = &ARTICLE_STACKS[k];
        if (!starts_with(s, n, stack))
            continue;
        Py_ssize_t end = clamp(right, n);
        Py_ssize_t rest = end > stack->len ? end - stack->len : 0;
        return left < stack->len && rest < MIN_STEM
               && !(rest == 1 && s[stack->len] == YEH)
               && !in_table(s, end, NOT_ARTICLE, COUNT(NOT_ARTICLE));
    }
    return 0;
}

static int
ends_with_pair(const Py_UCS4 *s, Py_ssize_t n, Py_UCS4 a, Py_UCS4 b)
{
    return n >= 2 && s[n - 2] == a && s[n - 1] == b;
}

/* _acceptable(word, left, right) */
static int
acceptable(const Word *w, Py_ssize_t left, Py_ssize_t right)
{
    const Py_UCS4 *s = w->s;
    Py_ssize_t n = w->n;
    Py_ssize_t a = clamp(left, n), b = clamp(right, n);
    if (b < a)
        b = a;
    const Py_UCS4 *prefix = s, *stem = s + a, *suffix = s + b;
    Py_ssize_t np = a, ns = b - a, nx = n - b;
    if (np && !in_table(prefix, np, PROCLITICS, COUNT(PROCLITICS)))
        return 0;
    if (nx && !in_table(suffix, nx, SUFFIXES, COUNT(SUFFIXES)))
        return 0;
    if (nx == 1 && suffix[0] == ALEF && ns < 4)
        return 0;
    if (in_table(suffix, nx, VERB_OBJECT_SUFFIXES, COUNT(VERB_OBJECT_SUFFIXES))
        && ns > 0 && stem[0] == MEEM)
        return 0;
    int noun_suffix = in_table(suffix, nx, NOUN_SUFFIXES, COUNT(NOUN_SUFFIXES));
    if (nx && !noun_suffix && article_in_stem(w, left, right))
        return 0;
    if (np && ns >= 2 && stem[0] == ALEF && stem[1] == LAM && ns < 4) {
        Py_UCS4 joined[MAX_AFFIX + 2]; /* a proclitic is at most MAX_AFFIX letters */
        if (np <= MAX_AFFIX) {
            memcpy(joined, prefix, (size_t)np * sizeof(Py_UCS4));
            joined[np] = ALEF;
            joined[np + 1] = LAM;
            if (in_table(joined, np + 2, PROCLITICS, COUNT(PROCLITICS)))
                return 0;
        }
    }
    if (ns < MIN_STEM
        && !(ns == 2 && noun_suffix
             && (np < 2 || ends_with_pair(prefix, np, ALEF, LAM)
                 || ends_with_pair(prefix, np, LAM, LAM))))
        return 0;
    return !(np == 1 && is_ambiguous(prefix[0]) && n - 1 < 4);
}

/* _best_stem(word, candidates): sets *left and returns the stem (new str). */
static PyObject *
best_stem(const Word *w, const Cut *cands, int count, Py_ssize_t *left)
{
    const Py_UCS4 *s = w->s;
    Py_ssize_t n = w->n;
    if (count == 0) {
        *left = 0;
        return make_str(s, n, 1);
    }
    /* The key (score, -left), score = stripped - 0.5 when left == 1: doubled. */
    int best = 0;
    Py_ssize_t best_score = 0;
    for (int k = 0; k < count; k++) {
        Py_ssize_t score = 2 * (cands[k].left + (n - cands[k].right)) - (cands[k].left == 1);
        if (k == 0 || score > best_score
            || (score == best_score && cands[k].left < cands[best].left)) {
            best = k;
            best_score = score;
        }
    }
    *left = cands[best].left;
    Py_ssize_t a = clamp(cands[best].left, n), b = clamp(cands[best].right, n);
    if (b < a)
        b = a;
    if (b - a > MIN_STEM && s[b - 1] == YEH)
        b--;
    return make_str(s + a, b - a, 1);
}

/* Stemmer._stems(word), as a new tuple. */
static PyObject *
stems_of(const Word *w)
{
    const Py_UCS4 *s = w->s;
    Py_ssize_t n = w->n;
    if (n <= MIN_STEM) {
        PyObject *only = (n == MIN_STEM && s[n - 1] == TEH_MARBUTA)
                         ? make_str(s, n - 1, 0) : make_str(s, n, 1);
        if (only == NULL)
            return NULL;
        PyObject *out = PyTuple_Pack(1, only);
        Py_DECREF(only);
        return out;
    }
    Cut cands[MAX_SEGMENTS];
    int count = segmentations(w, cands);
    if (count < 0)
        return NULL;
    int kept_count = 0;
    for (int k = 0; k < count; k++)
        if (acceptable(w, cands[k].left, cands[k].right))
            cands[kept_count++] = cands[k];
    count = kept_count;
    Py_ssize_t left;
    PyObject *best = best_stem(w, cands, count, &left);
    if (best == NULL)
        return NULL;
    if (left) {
        if (left - 1 >= n) { /* word[left - 1] */
            Py_DECREF(best);
            PyErr_SetString(PyExc_IndexError, "string index out of range");
            return NULL;
        }
        if (is_ambiguous(s[left - 1])
            && !in_table(s, clamp(left, n), ARTICLE_ENDINGS, COUNT(ARTICLE_ENDINGS))) {
            Cut shorter[MAX_SEGMENTS];
            int ns = 0;
            for (int k = 0; k < count; k++)
                if (cands[k].left == left - 1)
                    shorter[ns++] = cands[k];
            Py_ssize_t unused;
            PyObject *kept = best_stem(w, shorter, ns, &unused);
            if (kept == NULL) {
                Py_DECREF(best);
                return NULL;
            }
            int differ = PyUnicode_Compare(kept, best) != 0;
            PyObject *out = differ ? PyTuple_Pack(2, best, kept) : PyTuple_Pack(1, best);
            Py_DECREF(kept);
            Py_DECREF(best);
            return out;
        }
    }
    PyObject *out = PyTuple_Pack(1, best);
    Py_DECREF(best);
    return out;
}

/* Stemmer.protected_name(word): a new str, Py_None (new reference) or NULL. */
static PyObject *
protected_of(const Word *w, PyObject *protected)
{
    if (PySet_GET_SIZE(protected) == 0)
        Py_RETURN_NONE;
    Py_ssize_t n = w->n;
    Word folded;
    folded.n = n;
    folded.owned = 0;
    folded.s = folded.local;
    if (n > (Py_ssize_t)(sizeof(folded.local) / sizeof(Py_UCS4))) {
        folded.s = PyMem_Malloc((size_t)n * sizeof(Py_UCS4));
        if (folded.s == NULL)
            return PyErr_NoMemory();
        folded.owned = 1;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        folded.s[i] = w->s[i] == TEH_MARBUTA ? HEH : w->s[i];
    const Py_UCS4 *s = folded.s;
    PyObject *found = NULL;
    /* "" first, then the proclitics that begin with the word's first letter. */
    for (Py_ssize_t k = -1; k < COUNT(PROCLITICS); k++) {
        Py_ssize_t skip = 0;
        if (k >= 0) {
            if (n == 0 || PROCLITICS[k].c[0] != s[0] || !starts_with(s, n, &PROCLITICS[k]))
                continue;
            skip = PROCLITICS[k].len;
        }
        const Py_UCS4 *rest = s + skip;
        Py_ssize_t nr = n - skip;
        if (nr > 4 && rest[0] == ALEF && rest[1] == LAM) {
            rest += 2;
            nr -= 2;
        }
        if (nr < 2)
            continue;
        PyObject *candidate = make_str(rest, nr, 0);
        if (candidate == NULL)
            goto done;
        int in = PySet_Contains(protected, candidate);
        if (in < 0) {
            Py_DECREF(candidate);
            goto done;
        }
        if (in) {
            found = candidate;
            goto done;
        }
        Py_DECREF(candidate);
    }
    found = Py_NewRef(Py_None);
done:
    word_free(&folded);
    return found;
}

/* counts.get(ntm(s[0:n]), 0), a new reference. */
static PyObject *
count_of(PyObject *counts, const Py_UCS4 *s, Py_ssize_t n)
{
    PyObject *key = make_str(s, n, 1);
    if (key == NULL)
        return NULL;
    PyObject *value = PyDict_GetItemWithError(counts, key);
    Py_DECREF(key);
    if (value == NULL)
        return PyErr_Occurred() ? NULL : PyLong_FromLong(0);
    return Py_NewRef(value);
}

/* Appends to list the readings of Stemmer._clitic_readings(word). */
static int
clitic_readings(const Word *w, PyObject *protected, PyObject *lexicon, PyObject *list)
{
    const Py_UCS4 *s = w->s;
    Py_ssize_t n = w->n;
    if (n == 0 || !is_ambiguous(s[0]))
        return 0;
    PyObject *counts = PyObject_CallNoArgs(lexicon);
    if (counts == NULL)
        return -1;
    int status = -1;
    PyObject *whole = NULL, *seen = NULL, *min_count = NULL;
    if (!PyDict_Check(counts)) {
        PyErr_SetString(PyExc_TypeError, "lexicon counts are not a dict");
        goto done;
    }
    min_count = PyLong_FromLong(LEXICON_MIN_COUNT);
    if (min_count == NULL || (whole = count_of(counts, s, n)) == NULL)
        goto done;
    for (Py_ssize_t k = 0; k < COUNT(BARE_CLITICS); k++) {
        const Affix *clitic = &BARE_CLITICS[k];
        Py_ssize_t nr = n > clitic->len ? n - clitic->len : 0;
        if (!starts_with(s, n, clitic) || nr < 2)
            continue;
        Py_CLEAR(seen);
        if ((seen = count_of(counts, s + clitic->len, nr)) == NULL)
            goto done;
        /* seen >= 20 and seen >= whole or whole < 20 and len(rest) >= 3 */
        int take = PyObject_RichCompareBool(seen, min_count, Py_GE);
        if (take < 0)
            goto done;
        if (take && (take = PyObject_RichCompareBool(seen, whole, Py_GE)) < 0)
            goto done;
        if (!take) {
            take = PyObject_RichCompareBool(whole, min_count, Py_LT);
            if (take < 0)
                goto done;
            take = take && nr >= MIN_STEM;
        }
        if (!take)
            continue;
        Word rest;
        rest.s = (Py_UCS4 *)(s + clitic->len);
        rest.n = nr;
        rest.owned = 0;
        PyObject *name = protected_of(&rest, protected);
        if (name == NULL)
            goto done;
        if (name != Py_None) {
            int failed = PyList_Append(list, name) < 0;
            Py_DECREF(name);
            if (failed)
                goto done;
            continue;
        }
        Py_DECREF(name);
        PyObject *stems = stems_of(&rest);
        if (stems == NULL)
            goto done;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(stems); i++)
            if (PyList_Append(list, PyTuple_GET_ITEM(stems, i)) < 0) {
                Py_DECREF(stems);
                goto done;
            }
        Py_DECREF(stems);
    }
    status = 0;
done:
    Py_XDECREF(seen);
    Py_XDECREF(whole);
    Py_XDECREF(min_count);
    Py_DECREF(counts);
    return status;
}

static int
check_str(PyObject *word)
{
    if (!PyUnicode_Check(word)) {
        PyErr_Format(PyExc_TypeError, "expected str, got %.200s", Py_TYPE(word)->tp_name);
        return -1;
    }
    return 0;
}

static int
check_names(PyObject *protected)
{
    if (!PyAnySet_Check(protected)) {
        PyErr_SetString(PyExc_TypeError, "protected names must be a set or frozenset");
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(stems_doc,
"stems(word, /)\n--\n\n"
"Stemmer._stems(word): the stems of a word, best first (no protected names).");

static PyObject *
text_stems(PyObject *module, PyObject *word)
{
    if (check_str(word) < 0)
        return NULL;
    Word w;
    if (word_from(word, &w) < 0)
        return NULL;
    PyObject *out = stems_of(&w);
    word_free(&w);
    return out;
}

PyDoc_STRVAR(protected_name_doc,
"protected_name(word, protected, /)\n--\n\n"
"Stemmer.protected_name(word) for the name keys ``protected``: the name or None.");

static PyObject *
text_protected_name(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "protected_name() takes 2 arguments");
        return NULL;
    }
    if (check_str(args[0]) < 0 || check_names(args[1]) < 0)
        return NULL;
    Word w;
    if (word_from(args[0], &w) < 0)
        return NULL;
    PyObject *out = protected_of(&w, args[1]);
    word_free(&w);
    return out;
}

PyDoc_STRVAR(stem_variants_doc,
"stem_variants(word, protected, lexicon, /)\n--\n\n"
"Stemmer._stem_variants of a respelled word: the protected name, or the stems\n"
"and, when ``lexicon`` (a callable returning the lexicon counts) is not None,\n"
"the readings of a short word as clitic + attested word.");

static PyObject *
text_stem_variants(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "stem_variants() takes 3 arguments");
        return NULL;
    }
    PyObject *word = args[0], *protected = args[1], *lexicon = args[2];
    if (check_str(word) < 0 || check_names(protected) < 0)
        return NULL;
    Word w;
    if (word_from(word, &w) < 0)
        return NULL;
    PyObject *out = NULL, *list = NULL;
    PyObject *name = protected_of(&w, protected);
    if (name == NULL)
        goto done;
    if (name != Py_None) {
        out = PyTuple_Pack(1, name);
        Py_DECREF(name);
        goto done;
    }
    Py_DECREF(name);
    PyObject *stems = stems_of(&w);
    if (stems == NULL || lexicon == Py_None || w.n > LEXICON_MAX || w.n == 0
        || !is_ambiguous(w.s[0])) {
        out = stems;
        goto done;
    }
    list = PySequence_List(stems);
    Py_DECREF(stems);
    if (list == NULL || clitic_readings(&w, protected, lexicon, list) < 0)
        goto done;
    /* dict.fromkeys: the first of equal stems, in order. */
    Py_ssize_t total = PyList_GET_SIZE(list), unique = 0;
    for (Py_ssize_t i = 0; i < total; i++) {
        PyObject *item = PyList_GET_ITEM(list, i);
        int seen = 0;
        for (Py_ssize_t j = 0; j < unique && !seen; j++)
            seen = PyUnicode_Compare(PyList_GET_ITEM(list, j), item) == 0;
        if (!seen) {
            Py_INCREF(item);
            PyObject *old = PyList_GET_ITEM(list, unique);
            PyList_SET_ITEM(list, unique, item);
            Py_DECREF(old);
            unique++;
        }
    }
    if (PyList_SetSlice(list, unique, total, NULL) < 0)
        goto done;
    out = PyList_AsTuple(list);
done:
    Py_XDECREF(list);
    word_free(&w);
    return out;
}

/* --- tokenizing -------------------------------------------------------------- */

/* chars.IN_WORD_MARKS, as ranges. */
static const Py_UCS4 IN_WORD_MARKS[][2] = {
    {0xAD, 0xAD}, {0x610, 0x61A}, {0x61C, 0x61C}, {0x640, 0x640}, {0x64B, 0x65F},
    {0x670, 0x670}, {0x6D6, 0x6DC}, {0x6DF, 0x6E4}, {0x6E7, 0x6E8}, {0x6EA, 0x6ED},
    {0x8D3, 0x8E1}, {0x8E3, 0x8FF}, {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2060},
    {0x2066, 0x2069}, {0xFEFF, 0xFEFF},
};

/* chars.OBFUSCATION_MARKS */
static const Py_UCS4 OBFUSCATION_MARKS[] = {0x2A, 0x2E, 0xB7, 0x66D, 0x2022};

/* tokenize._ARABIC_LETTER_RE */
static const Py_UCS4 ARABIC_LETTERS[][2] = {
    {0x621, 0x64A}, {0x66E, 0x6D3}, {0x6D5, 0x6D5}, {0x6FA, 0x6FF}, {0xFB50, 0xFDFF},
    {0xFE70, 0xFEFC},
};

#define TOKEN_GAP 1   /* tokenize._OBFUSCATION_GAP */
#define SHORT_PIECE 2 /* tokenize._SHORT_PIECE */

static int
in_ranges(Py_UCS4 c, const Py_UCS4 (*ranges)[2], Py_ssize_t count)
{
    for (Py_ssize_t k = 0; k < count; k++)
        if (c >= ranges[k][0] && c <= ranges[k][1])
            return 1;
    return 0;
}

static int
is_mark(Py_UCS4 c)
{
    return c >= 0xAD && in_ranges(c, IN_WORD_MARKS, COUNT(IN_WORD_MARKS));
}

/* tokenize._WORD_RE: (?:[^\W_]|[marks])+ -- re's \w is str.isalnum() or '_'. */
static int
in_word(Py_UCS4 c)
{
    if (c < 0x80)
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return Py_UNICODE_ISALNUM(c) || is_mark(c);
}

static int
is_split_digit(Py_UCS4 c)
{
    return (c >= '0' && c <= '9') || (c >= 0x660 && c <= 0x669) || (c >= 0x6F0 && c <= 0x6F9);
}

/* tokenize._ARABIC_DIGIT_SPLIT_RE: a cut between s[i-1] and s[i] (an Arabic
 * letter or tatweel, then a digit; a digit, then an Arabic letter). */
static int
splits_before(const Py_UCS4 *s, Py_ssize_t i)
{
    Py_UCS4 a = s[i - 1], b = s[i];
    return (((a >= 0x621 && a <= 0x64A) || a == 0x640) && is_split_digit(b))
           || (is_split_digit(a) && b >= 0x621 && b <= 0x64A);
}

static int
is_arabic(const Py_UCS4 *s, Py_ssize_t a, Py_ssize_t b)
{
    for (Py_ssize_t i = a; i < b; i++)
        if (s[i] >= 0x621 && in_ranges(s[i], ARABIC_LETTERS, COUNT(ARABIC_LETTERS)))
            return 1;
    return 0;
}

static Py_ssize_t
letters(const Py_UCS4 *s, Py_ssize_t a, Py_ssize_t b)
{
    Py_ssize_t count = 0;
    for (Py_ssize_t i = a; i < b; i++)
        count += !is_mark(s[i]);
    return count;
}

/* tokenize._joins: text[left_end] is one character between the two pieces. */
static int
joins(const Py_UCS4 *s, Py_ssize_t left_start, Py_ssize_t left_end,
      Py_ssize_t right_start, Py_ssize_t right_end)
{
    Py_UCS4 gap = s[left_end];
    int obfuscation = 0;
    for (Py_ssize_t k = 0; k < COUNT(OBFUSCATION_MARKS); k++)
        obfuscation |= OBFUSCATION_MARKS[k] == gap;
    if (!obfuscation)
        return 0;
    if (!is_arabic(s, left_start, left_end) || !is_arabic(s, right_start, right_end))
        return 0;
    Py_ssize_t last = left_start; /* left.text.rsplit(gap, 1)[-1] */
    for (Py_ssize_t i = left_end - 1; i >= left_start; i--)
        if (s[i] == gap) {
            last = i + 1;
            break;
        }
    Py_ssize_t x = letters(s, last, left_end), y = letters(s, right_start, right_end);
    return (x < y ? x : y) <= SHORT_PIECE;
}

typedef struct {
    PyObject *text;      /* the source str */
    PyObject *token;     /* the Token class */
    PyObject *names[3];  /* "text", "start", "end" */
    PyObject *list;
    Py_ssize_t start, end; /* the pending token, start < 0 when none */
} Tokens;

static PyObject *
new_token(Tokens *t, Py_ssize_t start, Py_ssize_t end)
{
    PyTypeObject *type = (PyTypeObject *)t->token;
    PyObject *values[3] = {PyUnicode_Substring(t->text, start, end),
                           PyLong_FromSsize_t(start), PyLong_FromSsize_t(end)};
    PyObject *token = NULL;
    if (values[0] == NULL || values[1] == NULL || values[2] == NULL)
        goto done;
    /* Token(text, start, end): a frozen dataclass sets its fields with
     * object.__setattr__ on a new instance, as here. */
    token = type->tp_alloc(type, 0);
    if (token == NULL)
        goto done;
    for (int i = 0; i < 3; i++)
        if (PyObject_GenericSetAttr(token, t->names[i], values[i]) < 0) {
            Py_CLEAR(token);
            break;
        }
done:
    for (int i = 0; i < 3; i++)
        Py_XDECREF(values[i]);
    return token;
}

static int
flush(Tokens *t)
{
    if (t->start < 0)
        return 0;
    PyObject *token = new_token(t, t->start, t->end);
    t->start = -1;
    if (token == NULL)
        return -1;
    int status = PyList_Append(t->list, token);
    Py_DECREF(token);
    return status;
}

/* One piece of _pieces: joined to the pending token or the next pending one. */
static int
piece(Tokens *t, const Py_UCS4 *s, Py_ssize_t start, Py_ssize_t end)
{
    if (t->start >= 0 && start - t->end == TOKEN_GAP
        && joins(s, t->start, t->end, start, end)) {
        t->end = end;
        return 0;
    }
    if (flush(t) < 0)
        return -1;
    t->start = start;
    t->end = end;
    return 0;
}

PyDoc_STRVAR(tokens_doc,
"tokens(text, token, /)\n--\n\n"
"tokenize._tokens(text), the words made with the class ``token`` (Token).");

static PyObject *
text_tokens(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "tokens() takes 2 arguments");
        return NULL;
    }
    if (check_str(args[0]) < 0)
        return NULL;
    if (!PyType_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "tokens(): token must be a class");
        return NULL;
    }
    Tokens t = {args[0], args[1], {NULL, NULL, NULL}, NULL, -1, -1};
    PyObject *out = NULL;
    Word w;
    w.owned = 0;
    if (word_from(args[0], &w) < 0)
        return NULL;
    static const char *const names[3] = {"text", "start", "end"};
    for (int i = 0; i < 3; i++)
        if ((t.names[i] = PyUnicode_InternFromString(names[i])) == NULL)
            goto done;
    if ((t.list = PyList_New(0)) == NULL)
        goto done;
    const Py_UCS4 *s = w.s;
    Py_ssize_t n = w.n, i = 0;
    while (i < n) {
        if (!in_word(s[i])) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        while (i < n && in_word(s[i]))
            i++;
        Py_ssize_t from = start;
        for (Py_ssize_t j = start + 1; j < i; j++)
            if (splits_before(s, j)) {
                if (piece(&t, s, from, j) < 0)
                    goto done;
                from = j;
            }
        if (piece(&t, s, from, i) < 0)
            goto done;
    }
    if (flush(&t) < 0)
        goto done;
    out = PyList_AsTuple(t.list);
done:
    for (int i = 0; i < 3; i++)
        Py_XDECREF(t.names[i]);
    Py_XDECREF(t.list);
    word_free(&w);
    return out;
}

/* --- the terms of a text ------------------------------------------------------ */

/* A new instance of a frozen slots dataclass, its fields set as its __init__
 * sets them (object.__setattr__); the references in values are stolen. */
static PyObject *
new_record(PyObject *cls, PyObject *const *names, PyObject **values, int count)
{
    PyTypeObject *type = (PyTypeObject *)cls;
    PyObject *record = NULL;
    for (int i = 0; i < count; i++)
        if (values[i] == NULL)
            goto done;
    record = type->tp_alloc(type, 0);
    if (record == NULL)
        goto done;
    for (int i = 0; i < count; i++)
        if (PyObject_GenericSetAttr(record, names[i], values[i]) < 0) {
            Py_CLEAR(record);
            break;
        }
done:
    for (int i = 0; i < count; i++)
        Py_XDECREF(values[i]);
    return record;
}

static void
unpack_error(Py_ssize_t got)
{
    if (got < 3)
        PyErr_Format(PyExc_ValueError, "not enough values to unpack (expected 3, got %zd)", got);
    else
        PyErr_SetString(PyExc_ValueError, "too many values to unpack (expected 3)");
}

PyDoc_STRVAR(terms_doc,
"terms(tokens, analyze_word, term, /)\n--\n\n"
"The loop of Analyzer.analyze_terms: for each token, term(exact, stems, broad,\n"
"token.start, token.end) for each (exact, stems, broad) of analyze_word(token.text),\n"
"as a tuple.");

static PyObject *
text_terms(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "terms() takes 3 arguments");
        return NULL;
    }
    PyObject *tokens = args[0], *analyze_word = args[1], *term = args[2];
    if (!PyType_Check(term)) {
        PyErr_SetString(PyExc_TypeError, "terms(): term must be a class");
        return NULL;
    }
    static const char *const field_names[5] = {"exact", "stems", "broad", "start", "end"};
    PyObject *names[5] = {NULL, NULL, NULL, NULL, NULL};
    PyObject *list = NULL, *iter = NULL, *token = NULL, *out = NULL;
    for (int i = 0; i < 5; i++)
        if ((names[i] = PyUnicode_InternFromString(field_names[i])) == NULL)
            goto done;
    PyObject *text_name = PyUnicode_InternFromString("text"); /* Token.text */
    if (text_name == NULL)
        goto done;
    if ((list = PyList_New(0)) == NULL || (iter = PyObject_GetIter(tokens)) == NULL) {
        Py_DECREF(text_name);
        goto done;
    }
    while ((token = PyIter_Next(iter)) != NULL) {
        PyObject *word = PyObject_GetAttr(token, text_name);
        if (word == NULL)
            break;
        PyObject *analyses = PyObject_CallOneArg(analyze_word, word);
        Py_DECREF(word);
        if (analyses == NULL)
            break;
        PyObject *each = PyObject_GetIter(analyses);
        Py_DECREF(analyses);
        if (each == NULL)
            break;
        PyObject *analysis;
        PyObject *start = NULL, *end = NULL;
        int failed = 0;
        while ((analysis = PyIter_Next(each)) != NULL) {
            if (Py_TYPE(analysis)->tp_iter == NULL && !PySequence_Check(analysis)) {
                PyErr_Format(PyExc_TypeError, "cannot unpack non-iterable %.200s object",
                             Py_TYPE(analysis)->tp_name);
                Py_DECREF(analysis);
                failed = 1;
                break;
            }
            PyObject *parts = PySequence_Tuple(analysis);
            Py_DECREF(analysis);
            if (parts == NULL) {
                failed = 1;
                break;
            }
            if (PyTuple_GET_SIZE(parts) != 3) {
                unpack_error(PyTuple_GET_SIZE(parts));
                Py_DECREF(parts);
                failed = 1;
                break;
            }
            if (start == NULL) { /* token.start and token.end, once per token */
                start = PyObject_GetAttr(token, names[3]);
                end = start == NULL ? NULL : PyObject_GetAttr(token, names[4]);
                if (end == NULL) {
                    Py_DECREF(parts);
                    failed = 1;
                    break;
                }
            }
            PyObject *values[5] = {Py_NewRef(PyTuple_GET_ITEM(parts, 0)),
                                   Py_NewRef(PyTuple_GET_ITEM(parts, 1)),
                                   Py_NewRef(PyTuple_GET_ITEM(parts, 2)),
                                   Py_NewRef(start), Py_NewRef(end)};
            Py_DECREF(parts);
            PyObject *record = new_record(term, names, values, 5);
            if (record == NULL || PyList_Append(list, record) < 0) {
                Py_XDECREF(record);
                failed = 1;
                break;
            }
            Py_DECREF(record);
        }
        Py_DECREF(each);
        Py_XDECREF(start);
        Py_XDECREF(end);
        if (failed || PyErr_Occurred())
            break;
        Py_CLEAR(token);
    }
    Py_DECREF(text_name);
    if (!PyErr_Occurred())
        out = PyList_AsTuple(list);
done:
    Py_XDECREF(token);
    Py_XDECREF(iter);
    Py_XDECREF(list);
    for (int i = 0; i < 5; i++)
        Py_XDECREF(names[i]);
    return out;
}

/* --- the module ----------------------------------------------------------- */

static PyObject *
affix_tuple(const Affix *table, Py_ssize_t count)
{
    PyObject *out = PyTuple_New(count);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *item = make_str(table[k].c, table[k].len, 0);
        if (item == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(out, k, item);
    }
    return out;
}

static PyObject *
ranges_tuple(const Py_UCS4 (*ranges)[2], Py_ssize_t count)
{
    PyObject *out = PyTuple_New(count);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *pair = Py_BuildValue("(kk)", (unsigned long)ranges[k][0],
                                       (unsigned long)ranges[k][1]);
        if (pair == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(out, k, pair);
    }
    return out;
}

static PyObject *
ranges_str(const Py_UCS4 (*ranges)[2], Py_ssize_t count)
{
    Py_UCS4 buf[512];
    Py_ssize_t n = 0;
    for (Py_ssize_t k = 0; k < count; k++)
        for (Py_UCS4 c = ranges[k][0]; c <= ranges[k][1]; c++) {
            if (n >= (Py_ssize_t)(sizeof(buf) / sizeof(buf[0]))) {
                PyErr_SetString(PyExc_SystemError, "_ctext: table too large");
                return NULL;
            }
            buf[n++] = c;
        }
    return make_str(buf, n, 0);
}

/* The tables above, for stem.py and tokenize.py to check against their own. */
static PyObject *
tables(void)
{
    PyObject *out = PyDict_New();
    if (out == NULL)
        return NULL;
    struct { const char *name; PyObject *value; } items[] = {
        {"PROCLITICS", affix_tuple(PROCLITICS, COUNT(PROCLITICS))},
        {"SUFFIXES", affix_tuple(SUFFIXES, COUNT(SUFFIXES))},
        {"NOUN_SUFFIXES", affix_tuple(NOUN_SUFFIXES, COUNT(NOUN_SUFFIXES))},
        {"VERB_OBJECT_SUFFIXES", affix_tuple(VERB_OBJECT_SUFFIXES, COUNT(VERB_OBJECT_SUFFIXES))},
        {"NOT_ARTICLE", affix_tuple(NOT_ARTICLE, COUNT(NOT_ARTICLE))},
        {"ARTICLE_STACKS", affix_tuple(ARTICLE_STACKS, COUNT(ARTICLE_STACKS))},
        {"ARTICLE_ENDINGS", affix_tuple(ARTICLE_ENDINGS, COUNT(ARTICLE_ENDINGS))},
        {"BARE_CLITICS", affix_tuple(BARE_CLITICS, COUNT(BARE_CLITICS))},
        {"AMBIGUOUS_PROCLITICS", make_str(AMBIGUOUS, COUNT(AMBIGUOUS), 0)},
        {"MIN_STEM", PyLong_FromLong(MIN_STEM)},
        {"LEXICON_MAX", PyLong_FromLong(LEXICON_MAX)},
        {"LEXICON_MIN_COUNT", PyLong_FromLong(LEXICON_MIN_COUNT)},
        {"IN_WORD_MARKS", ranges_str(IN_WORD_MARKS, COUNT(IN_WORD_MARKS))},
        {"OBFUSCATION_MARKS", make_str(OBFUSCATION_MARKS, COUNT(OBFUSCATION_MARKS), 0)},
        {"ARABIC_LETTER_RANGES", ranges_tuple(ARABIC_LETTERS, COUNT(ARABIC_LETTERS))},
        {"OBFUSCATION_GAP", PyLong_FromLong(TOKEN_GAP)},
        {"SHORT_PIECE", PyLong_FromLong(SHORT_PIECE)},
    };
    int failed = 0;
    for (size_t k = 0; k < sizeof(items) / sizeof(items[0]); k++) {
        if (items[k].value == NULL || PyDict_SetItemString(out, items[k].name, items[k].value) < 0)
            failed = 1;
        Py_XDECREF(items[k].value);
    }
    if (failed) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}


/* ---- folding a text through a table (arsearch.text.normalize.fold_letters) ---- */

#define FOLD_DELETE 0xFFFFFFFFu   /* the character is left out */
#define FOLD_PYTHON 0xFFFFFFFEu   /* the twin decides (NFKC, context-dependent case) */

PyDoc_STRVAR(fold_doc,
"fold(text, table)\n"
"--\n\n"
"`text` with each character c below U+10000 replaced by table[c] (an\n"
"array('I') of 65,536 code points; 0xFFFFFFFF leaves c out), or None where\n"
"table[c] is 0xFFFFFFFE or c is past the BMP: the Python twin then folds it.");

static PyObject *
text_fold(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Py_buffer view;
    PyObject *text, *result = NULL;
    const uint32_t *table;
    Py_UCS4 *out, local[256];
    Py_ssize_t i, n, m = 0;
    int kind;
    const void *data;

    if (nargs != 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "fold(str, array('I'))");
        return NULL;
    }
    text = args[0];
    if (PyObject_GetBuffer(args[1], &view, PyBUF_FORMAT) < 0)
        return NULL;
    if (view.itemsize != 4 || view.len != 0x10000 * 4 || view.format == NULL
        || strcmp(view.format, "I") != 0) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_TypeError, "fold: the table is an array('I') of 65,536 items");
        return NULL;
    }
    table = (const uint32_t *)view.buf;
    n = PyUnicode_GET_LENGTH(text);
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    out = n <= (Py_ssize_t)(sizeof local / sizeof local[0]) ? local
          : PyMem_Malloc((size_t)n * sizeof(Py_UCS4));
    if (out == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        uint32_t to;
        if (c >= 0x10000)
            goto twin;
        to = table[c];
        if (to == FOLD_DELETE)
            continue;
        if (to == FOLD_PYTHON)
            goto twin;
        out[m++] = (Py_UCS4)to;
    }
    result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, m);
    goto done;
twin:
    result = Py_None;
    Py_INCREF(result);
done:
    if (out != local)
        PyMem_Free(out);
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef text_methods[] = {
    {"stems", (PyCFunction)text_stems, METH_O, stems_doc},
    {"protected_name", (PyCFunction)(void (*)(void))text_protected_name, METH_FASTCALL,
     protected_name_doc},
    {"stem_variants", (PyCFunction)(void (*)(void))text_stem_variants, METH_FASTCALL,
     stem_variants_doc},
    {"tokens", (PyCFunction)(void (*)(void))text_tokens, METH_FASTCALL, tokens_doc},
    {"terms", (PyCFunction)(void (*)(void))text_terms, METH_FASTCALL, terms_doc},
    {"fold", (PyCFunction)(void (*)(void))text_fold, METH_FASTCALL, fold_doc},
    {NULL, NULL, 0, NULL},
};

static int
text_exec(PyObject *module)
{
    PyObject *table = tables();
    if (table == NULL)
        return -1;
    PyObject *frozen = PyDictProxy_New(table);
    Py_DECREF(table);
    if (frozen == NULL)
        return -1;
    if (PyModule_AddObject(module, "TABLES", frozen) < 0) {
        Py_DECREF(frozen);
        return -1;
    }
    return 0;
}

static PyModuleDef_Slot text_slots[] = {
    {Py_mod_exec, text_exec},
    {0, NULL},
};

static struct PyModuleDef text_module = {
    PyModuleDef_HEAD_INIT,
    "arsearch.text._ctext",
    "Compiled twin of light stemming, tokenizing and letter folding (see arsearch.text.stem,"
    " tokenize, normalize).",
    0,
    text_methods,
    text_slots,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__ctext(void)
{
    return PyModuleDef_Init(&text_module);
}
