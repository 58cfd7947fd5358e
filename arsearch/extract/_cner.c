/*
 * arsearch.extract._cner: the name tagger's per-token-text features, compiled.
 *
 * The twin of the pure-Python tagging path of arsearch/extract/ner.py
 * (Features.token_features with a model's _Known, _describe_token,
 * Features.word_clusters, near clusters, _Known.links, Features.gazetteer_starts
 * and the flat row lists of _TokenCache._describe), with identical output: the
 * same entries and the same rows, in the same order, so numpy sums them to the
 * same weights.
 *
 * A TokenTexts object holds references to the tables of the Python objects
 * that own them (the model's _Known, the Features' clusters and gazetteer
 * names, ner.py's constants); it owns no table of its own and keeps no
 * state between calls. Folding and stemming call the Python callables passed
 * in. Plain C99 and the CPython API.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define N_OFFSETS 4
#define N_PAIR_KINDS 6

/* The offsets of the neighbour features, as ner._OFFSETS spells them. */
static const char *const OFFSET_NAMES[N_OFFSETS] = {"-2", "-1", "1", "2"};

/* Letters the code compares with (ner.py spells them as literals). */
#define ALEF 0x0627
#define LAM 0x0644
#define TEH_MARBUTA 0x0629
#define HEH 0x0647
#define WAW 0x0648
#define FEH 0x0641
#define BEH 0x0628
#define KAF 0x0643

typedef struct {
    PyObject_HEAD
    PyObject *rows;            /* attribute -> row (_Known.rows) */
    Py_ssize_t missing_row;    /* the row of an attribute the model lacks (_Known.zero) */
    Py_ssize_t group_row;      /* the row each group of rows starts with (Model.zero) */
    PyObject *near;            /* "kind=value" -> its rows at the four offsets (_Known.near) */
    PyObject *pairs;           /* tuple: _Known.pairs of each of _PAIR_KINDS, in order */
    PyObject *clusters;        /* word -> cluster ids (Features.clusters) */
    PyObject *triggers;        /* word -> (rank, class) (ner._TRIGGER_OF) */
    PyObject *no_trigger;      /* ner._NO_TRIGGER */
    PyObject *names;           /* first word -> gazetteer names (Features._names) */
    PyObject *adjectives;      /* adjective forms (Features.adjectives) */
    PyObject *fold;            /* fold_letters */
    PyObject *article_clitics; /* tuple of str (ner._ARTICLE_CLITICS) */
    PyObject *one_letter;      /* str: the one-letter clitics (ner._ONE_LETTER_CLITICS) */
    /* Constant feature names. */
    PyObject *s_bias, *s_punct, *s_digits, *s_num, *s_latin, *s_hasdigit, *s_al, *s_cal;
    PyObject *s_none, *s_empty, *s_get;
    PyObject *s_dlen[6];       /* dlen=0 .. dlen=5 */
    PyObject *s_len[9];        /* len=0 .. len=8 */
    int ready;                 /* __init__ ran to its end */
} TokenTexts;

/* --- growable arrays of rows ---------------------------------------------- */

typedef struct {
    Py_ssize_t *data;
    Py_ssize_t size;
    Py_ssize_t capacity;
} Rows;

static int rows_push(Rows *r, Py_ssize_t value) {
    if (r->size == r->capacity) {
        Py_ssize_t capacity = r->capacity ? r->capacity * 2 : 1024;
        if ((size_t)capacity > PY_SSIZE_T_MAX / sizeof(Py_ssize_t)) {
            PyErr_NoMemory();
            return -1;
        }
        Py_ssize_t *grown = PyMem_Realloc(r->data, (size_t)capacity * sizeof(Py_ssize_t));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        r->data = grown;
        r->capacity = capacity;
    }
    r->data[r->size++] = value;
    return 0;
}

static PyObject *rows_bytes(const Rows *r) {
    return PyBytes_FromStringAndSize((const char *)r->data,
                                     r->size * (Py_ssize_t)sizeof(Py_ssize_t));
}

/* --- strings -------------------------------------------------------------- */

/* ``prefix`` (plen code points) followed by s[start:end] (s a str), as one new str. */
static PyObject *concat(const Py_UCS4 *prefix, Py_ssize_t plen, PyObject *s, Py_ssize_t start,
                        Py_ssize_t end) {
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_UCS4 maxchar = 0;
    for (Py_ssize_t i = 0; i < plen; i++)
        if (prefix[i] > maxchar)
            maxchar = prefix[i];
    for (Py_ssize_t i = start; i < end; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c > maxchar)
            maxchar = c;
    }
    /* The exact maximum: the str is in its canonical (smallest) kind, so it
     * compares and hashes equal to the same text built by Python. */
    PyObject *out = PyUnicode_New(plen + (end - start), maxchar);
    if (out == NULL)
        return NULL;
    int okind = PyUnicode_KIND(out);
    void *odata = PyUnicode_DATA(out);
    for (Py_ssize_t i = 0; i < plen; i++)
        PyUnicode_WRITE(okind, odata, i, prefix[i]);
    for (Py_ssize_t i = start; i < end; i++)
        PyUnicode_WRITE(okind, odata, plen + i - start, PyUnicode_READ(kind, data, i));
    return out;
}

/* ASCII ``prefix`` followed by s[start:end]. */
static PyObject *joined(const char *prefix, PyObject *s, Py_ssize_t start, Py_ssize_t end) {
    Py_UCS4 wide[32];
    Py_ssize_t plen = (Py_ssize_t)strlen(prefix);
    if (plen > 32) {
        PyErr_SetString(PyExc_SystemError, "feature prefix too long");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < plen; i++)
        wide[i] = (unsigned char)prefix[i];
    return concat(wide, plen, s, start, end);
}

/* "{letter}{k}{tail}" into ``out`` (k a small non-negative number). */
static void numbered(char *out, size_t size, const char *letter, Py_ssize_t k, const char *tail) {
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + k % 10);
        k /= 10;
    } while (k > 0 && n < 23);
    size_t at = 0;
    for (const char *c = letter; *c && at + 1 < size; c++)
        out[at++] = *c;
    while (n > 0 && at + 1 < size)
        out[at++] = digits[--n];
    for (const char *c = tail; *c && at + 1 < size; c++)
        out[at++] = *c;
    out[at] = '\0';
}

/* f"{prefix}{value}": the value formatted as an f-string formats it. */
static PyObject *prefixed(const char *prefix, PyObject *value) {
    if (PyUnicode_CheckExact(value))
        return joined(prefix, value, 0, PyUnicode_GET_LENGTH(value));
    PyObject *text = PyObject_Format(value, NULL);
    if (text == NULL)
        return NULL;
    PyObject *out = joined(prefix, text, 0, PyUnicode_GET_LENGTH(text));
    Py_DECREF(text);
    return out;
}

static int unicode_equal(PyObject *a, PyObject *b) {
    if (a == b)
        return 1;
    Py_ssize_t n = PyUnicode_GET_LENGTH(a);
    if (n != PyUnicode_GET_LENGTH(b) || PyUnicode_KIND(a) != PyUnicode_KIND(b))
        return 0;
    return memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), (size_t)n * PyUnicode_KIND(a)) == 0;
}

static int starts_with_al(PyObject *s, Py_ssize_t from) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    return n - from >= 2 && PyUnicode_READ_CHAR(s, from) == ALEF
           && PyUnicode_READ_CHAR(s, from + 1) == LAM;
}

/* Whether the code point is one of the str ``chars``. */
static int one_of(Py_UCS4 c, PyObject *chars) {
    int kind = PyUnicode_KIND(chars);
    const void *data = PyUnicode_DATA(chars);
    Py_ssize_t n = PyUnicode_GET_LENGTH(chars);
    for (Py_ssize_t i = 0; i < n; i++)
        if (PyUnicode_READ(kind, data, i) == c)
            return 1;
    return 0;
}

/* normalize_teh_marbuta: s with each ة as ه (s itself when it has none). */
static PyObject *teh_marbuta_as_heh(PyObject *s) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t first = -1;
    if (kind != PyUnicode_1BYTE_KIND) {
        for (Py_ssize_t i = 0; i < n; i++) {
            if (PyUnicode_READ(kind, data, i) == TEH_MARBUTA) {
                first = i;
                break;
            }
        }
    }
    if (first < 0) {
        Py_INCREF(s);
        return s;
    }
    Py_UCS4 *buf = PyMem_Malloc((size_t)n * sizeof(Py_UCS4));
    if (buf == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        buf[i] = c == TEH_MARBUTA ? HEH : c;
    }
    PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, n);
    PyMem_Free(buf);
    return out;
}

/* --- look-ups ------------------------------------------------------------- */

/* mapping.get(key) as a new reference; NULL when absent (no error set) or on
 * an error (set). A dict (or subclass) is read as dict.get reads it; another
 * mapping (a mappingproxy) through its own get, with ``self`` as the default
 * that tells an absent key. */
static PyObject *lookup(TokenTexts *self, PyObject *mapping, PyObject *key) {
    if (PyDict_Check(mapping)) {
        PyObject *value = PyDict_GetItemWithError(mapping, key);
        Py_XINCREF(value);
        return value;
    }
    PyObject *value = PyObject_CallMethodObjArgs(mapping, self->s_get, key, (PyObject *)self,
                                                 NULL);
    if (value == (PyObject *)self) {
        Py_DECREF(value);
        return NULL;
    }
    return value;
}

/* The model's row of a feature name (the row of zeros when it lacks it); -1 on error. */
static Py_ssize_t row_of(TokenTexts *self, PyObject *name) {
    PyObject *value = lookup(self, self->rows, name);
    if (value == NULL)
        return PyErr_Occurred() ? -1 : self->missing_row;
    Py_ssize_t row = PyLong_AsSsize_t(value);
    Py_DECREF(value);
    if (row < 0 && !PyErr_Occurred()) {
        PyErr_SetString(PyExc_ValueError, "a row of the model's weights is negative");
        return -1;
    }
    return row;
}

static int push_row_of(TokenTexts *self, Rows *flat, PyObject *name) {
    Py_ssize_t row = row_of(self, name);
    return row < 0 ? -1 : rows_push(flat, row);
}

/* The cluster table's ids of a word: new reference, NULL when it has none (no error). */
static PyObject *cluster_ids(TokenTexts *self, PyObject *word) {
    PyObject *ids = lookup(self, self->clusters, word);
    if (ids == Py_None) {
        Py_DECREF(ids);
        return NULL;
    }
    return ids;
}

/* --- the features of one token text ---------------------------------------- */

/* _strip_article: n without its article and the clitics before it. New reference. */
static PyObject *strip_article(TokenTexts *self, PyObject *n) {
    Py_ssize_t len = PyUnicode_GET_LENGTH(n);
    int has_lam = 0;
    for (Py_ssize_t i = 0; i < len && i < 4; i++) {
        if (PyUnicode_READ_CHAR(n, i) == LAM) {
            has_lam = 1;
            break;
        }
    }
    if (has_lam) {
        Py_ssize_t count = PyTuple_GET_SIZE(self->article_clitics);
        for (Py_ssize_t i = 0; i < count; i++) {
            PyObject *prefix = PyTuple_GET_ITEM(self->article_clitics, i);
            Py_ssize_t plen = PyUnicode_GET_LENGTH(prefix);
            if (len - plen < 2)
                continue;
            Py_ssize_t match = PyUnicode_Tailmatch(n, prefix, 0, PY_SSIZE_T_MAX, -1);
            if (match < 0)
                return NULL;
            if (match)
                return PyUnicode_Substring(n, plen, len);
        }
    }
    Py_INCREF(n);
    return n;
}

/* _strip_clitic. New reference. */
static PyObject *strip_clitic(TokenTexts *self, PyObject *n) {
    PyObject *bare = strip_article(self, n);
    if (bare == NULL)
        return NULL;
    Py_ssize_t len = PyUnicode_GET_LENGTH(n);
    if (unicode_equal(bare, n) && len >= 5 && one_of(PyUnicode_READ_CHAR(n, 0), self->one_letter)) {
        Py_DECREF(bare);
        PyObject *rest = PyUnicode_Substring(n, 1, len);
        if (rest == NULL)
            return NULL;
        bare = strip_article(self, rest);
        Py_DECREF(rest);
    }
    return bare;
}

/* The trigger class of a word and its bare form ("" for none). New reference. */
static PyObject *trigger_of(TokenTexts *self, PyObject *word, PyObject *bare) {
    PyObject *of_bare = lookup(self, self->triggers, bare);
    if (of_bare == NULL) {
        if (PyErr_Occurred())
            return NULL;
        of_bare = Py_NewRef(self->no_trigger);
    }
    PyObject *of_word = lookup(self, self->triggers, word);
    if (of_word == NULL) {
        if (PyErr_Occurred()) {
            Py_DECREF(of_bare);
            return NULL;
        }
        of_word = Py_NewRef(self->no_trigger);
    }
    /* min(of_bare, of_word): the second only when it is smaller. */
    int smaller = PyObject_RichCompareBool(of_word, of_bare, Py_LT);
    PyObject *trig = NULL;
    if (smaller >= 0)
        trig = PySequence_GetItem(smaller ? of_word : of_bare, 1);
    Py_DECREF(of_bare);
    Py_DECREF(of_word);
    return trig;
}

/* Whether a word may begin a gazetteer name or is an adjective form
 * (Features.gazetteer_starts(word) != _NO_GAZETTEER_START); -1 on error. */
static int may_begin_name(TokenTexts *self, PyObject *word) {
    PyObject *readings[3] = {NULL, NULL, NULL};
    int count = 0, found = 0;
    readings[count++] = Py_NewRef(word);
    PyObject *w = word;
    if (PyUnicode_GET_LENGTH(w) > 3) {
        Py_UCS4 c = PyUnicode_READ_CHAR(w, 0);
        if (c == WAW || c == FEH) {
            w = PyUnicode_Substring(w, 1, PyUnicode_GET_LENGTH(w));
            if (w == NULL)
                goto error;
            readings[count++] = w;
        }
    }
    Py_ssize_t len = PyUnicode_GET_LENGTH(w);
    if (len > 3) {
        Py_UCS4 c = PyUnicode_READ_CHAR(w, 0);
        if (c == BEH || c == KAF || c == LAM) {
            PyObject *reading;
            if (c == LAM && PyUnicode_READ_CHAR(w, 1) == LAM) {
                /* للX reads as الX */
                static const Py_UCS4 article[2] = {ALEF, LAM};
                reading = concat(article, 2, w, 2, len);
            } else {
                reading = PyUnicode_Substring(w, 1, len);
            }
            if (reading == NULL)
                goto error;
            readings[count++] = reading;
        }
    }
    for (int i = 0; i < count && !found; i++) {
        PyObject *names = lookup(self, self->names, readings[i]);
        if (names == NULL) {
            if (PyErr_Occurred())
                goto error;
            continue;
        }
        int truth = PyObject_IsTrue(names);
        Py_DECREF(names);
        if (truth < 0)
            goto error;
        found = truth;
    }
    for (int i = 0; i < count && !found; i++) {
        int in = PySequence_Contains(self->adjectives, readings[i]);
        if (in < 0)
            goto error;
        found = in;
    }
    for (int i = 0; i < count; i++)
        Py_DECREF(readings[i]);
    return found;
error:
    for (int i = 0; i < count; i++)
        Py_XDECREF(readings[i]);
    return -1;
}

#define MAX_OWN 24  /* a word has 18 own features at most */

/* What one token text adds: its five groups of rows to ``flat`` (their starts
 * to ``starts``), and its entry (word, bare, mid, links, gazetteer, row). */
typedef struct {
    PyObject *folded, *word, *stem, *bare, *trig;
    PyObject *own[MAX_OWN];   /* its own feature names (new references) */
    int n_own;
    PyObject *clus;           /* tuple of cluster feature names, or NULL */
    PyObject *near_keys[N_OFFSETS];  /* "w=...", "s=...", "b=...", "t=..." */
    int n_near;
} Token;

static void token_clear(Token *t) {
    Py_CLEAR(t->folded);
    Py_CLEAR(t->word);
    Py_CLEAR(t->stem);
    Py_CLEAR(t->bare);
    Py_CLEAR(t->trig);
    for (int i = 0; i < t->n_own; i++)
        Py_CLEAR(t->own[i]);
    t->n_own = 0;
    Py_CLEAR(t->clus);
    for (int i = 0; i < t->n_near; i++)
        Py_CLEAR(t->near_keys[i]);
    t->n_near = 0;
}

/* Adds a feature name to the token's own; steals ``name`` (NULL: an error). */
static int own_add(Token *t, PyObject *name) {
    if (name == NULL)
        return -1;
    if (t->n_own == MAX_OWN) {
        Py_DECREF(name);
        PyErr_SetString(PyExc_SystemError, "_cner: too many features for one token");
        return -1;
    }
    t->own[t->n_own++] = name;
    return 0;
}

/* Adds a "kind=value" a neighbour sees; steals ``key`` (NULL: an error). */
static int near_add(Token *t, PyObject *key) {
    if (key == NULL)
        return -1;
    if (t->n_near == N_OFFSETS) {
        Py_DECREF(key);
        PyErr_SetString(PyExc_SystemError, "_cner: too many neighbour values for one token");
        return -1;
    }
    t->near_keys[t->n_near++] = key;
    return 0;
}

/* The cluster features of a word (Features.word_clusters). */
static PyObject *word_clusters(TokenTexts *self, PyObject *word, PyObject *bare) {
    const char *tail = "=";
    PyObject *ids = cluster_ids(self, word);
    if (ids == NULL && PyErr_Occurred())
        return NULL;
    if (ids == NULL && !unicode_equal(bare, word)) {
        ids = cluster_ids(self, bare);
        if (ids == NULL && PyErr_Occurred())
            return NULL;
        tail = "b=";
    }
    if (ids == NULL)
        return PyTuple_Pack(1, self->s_none);
    PyObject *seq = PySequence_Fast(ids, "cluster ids must be iterable");
    Py_DECREF(ids);
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject *out = PyTuple_New(n);
    if (out == NULL) {
        Py_DECREF(seq);
        return NULL;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        char prefix[32];
        numbered(prefix, sizeof prefix, "k", k, tail);
        PyObject *name = prefixed(prefix, PySequence_Fast_GET_ITEM(seq, k));
        if (name == NULL) {
            Py_DECREF(seq);
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(out, k, name);
    }
    Py_DECREF(seq);
    return out;
}

/* _describe_token and the cluster features of Features.token_features. */
static int describe(TokenTexts *self, PyObject *text, PyObject *stemmer, Token *t) {
    t->folded = PyObject_CallOneArg(self->fold, text);
    if (t->folded == NULL)
        return -1;
    if (!PyUnicode_Check(t->folded)) {
        PyErr_SetString(PyExc_TypeError, "fold_letters must return a str");
        return -1;
    }
    PyObject *word = teh_marbuta_as_heh(t->folded);
    if (word == NULL)
        return -1;
    Py_ssize_t n = PyUnicode_GET_LENGTH(word);
    int punct = n == 0 || !(Py_UNICODE_ISALNUM(PyUnicode_READ_CHAR(word, 0))
                            || Py_UNICODE_ISALNUM(PyUnicode_READ_CHAR(word, n - 1)));
    if (punct) {
        if (n == 0) {
            Py_DECREF(word);
            word = Py_NewRef(text);
        }
        t->word = word;
        t->stem = Py_NewRef(word);
        t->bare = Py_NewRef(word);
        t->trig = Py_NewRef(self->s_empty);
        if (own_add(t, prefixed("w=", word)) < 0)
            return -1;
        if (own_add(t, Py_NewRef(self->s_punct)) < 0)
            return -1;
        if (near_add(t, Py_NewRef(t->own[0])) < 0 || near_add(t, prefixed("s=", word)) < 0)
            return -1;
        return 0;
    }
    int digits = 1;
    {
        int kind = PyUnicode_KIND(word);
        const void *data = PyUnicode_DATA(word);
        for (Py_ssize_t i = 0; i < n && digits; i++)
            digits = Py_UNICODE_ISDIGIT(PyUnicode_READ(kind, data, i));
    }
    if (digits) {
        Py_DECREF(word);
        t->word = Py_NewRef(self->s_num);
        t->stem = Py_NewRef(self->s_num);
        t->bare = Py_NewRef(self->s_num);
        t->trig = Py_NewRef(self->s_empty);
        Py_ssize_t dlen = PyUnicode_GET_LENGTH(t->folded);
        if (own_add(t, Py_NewRef(self->s_digits)) < 0
                || own_add(t, Py_NewRef(self->s_dlen[dlen < 5 ? dlen : 5])) < 0)
            return -1;
        if (near_add(t, prefixed("w=", t->word)) < 0 || near_add(t, prefixed("s=", t->word)) < 0)
            return -1;
        return 0;
    }
    t->word = word;
    /* The stems of the bundled default stemmer (see _describe_token). */
    if (PyUnicode_GET_LENGTH(t->folded) < 30) {
        t->stem = PyObject_CallOneArg(stemmer, t->folded);
        if (t->stem == NULL)
            return -1;
    } else {
        t->stem = Py_NewRef(word);
    }
    t->bare = strip_clitic(self, word);
    if (t->bare == NULL)
        return -1;
    PyObject *bare = t->bare;
    Py_ssize_t nb = PyUnicode_GET_LENGTH(bare);
    int bare_differs = !unicode_equal(bare, word);
    if (own_add(t, prefixed("w=", word)) < 0 || own_add(t, prefixed("s=", t->stem)) < 0
            || own_add(t, prefixed("b=", bare)) < 0
            || own_add(t, Py_NewRef(self->s_len[n < 8 ? n : 8])) < 0)
        return -1;
    for (Py_ssize_t k = 1; k <= 3; k++) {
        char prefix[8];
        if (n > k) {
            numbered(prefix, sizeof prefix, "p", k, "=");
            if (own_add(t, joined(prefix, word, 0, k)) < 0)
                return -1;
            numbered(prefix, sizeof prefix, "x", k, "=");
            if (own_add(t, joined(prefix, word, n - k, n)) < 0)
                return -1;
        }
        if (bare_differs && nb > k) {
            numbered(prefix, sizeof prefix, "bp", k, "=");
            if (own_add(t, joined(prefix, bare, 0, k)) < 0)
                return -1;
        }
    }
    Py_UCS4 first = PyUnicode_READ_CHAR(word, 0);
    if (starts_with_al(word, 0)) {
        if (own_add(t, Py_NewRef(self->s_al)) < 0)
            return -1;
    } else if (one_of(first, self->one_letter)) {
        if (own_add(t, joined("c=", word, 0, 1)) < 0)
            return -1;
        if (starts_with_al(word, 1))  /* word[1:3] == "ال" */
            if (own_add(t, Py_NewRef(self->s_cal)) < 0)
                return -1;
    }
    int latin = 0, hasdigit = 0;
    {
        int kind = PyUnicode_KIND(word);
        const void *data = PyUnicode_DATA(word);
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
                latin = 1;
            if (Py_UNICODE_ISDIGIT(c))
                hasdigit = 1;
        }
    }
    if (latin && own_add(t, Py_NewRef(self->s_latin)) < 0)
        return -1;
    if (hasdigit && own_add(t, Py_NewRef(self->s_hasdigit)) < 0)
        return -1;
    t->trig = trigger_of(self, word, bare);
    if (t->trig == NULL)
        return -1;
    int trig = PyObject_IsTrue(t->trig);
    if (trig < 0)
        return -1;
    if (trig && own_add(t, prefixed("t=", t->trig)) < 0)
        return -1;
    /* Word, stem, bare word and trigger as seen from a neighbour; the names
     * are those of the token's own features. */
    if (near_add(t, Py_NewRef(t->own[0])) < 0 || near_add(t, Py_NewRef(t->own[1])) < 0)
        return -1;
    if (bare_differs && near_add(t, Py_NewRef(t->own[2])) < 0)
        return -1;
    if (trig && near_add(t, Py_NewRef(t->own[t->n_own - 1])) < 0)
        return -1;
    t->clus = word_clusters(self, word, bare);
    return t->clus == NULL ? -1 : 0;
}

/* Stops the garbage collector tracking a new tuple of strings, numbers and
 * untracked tuples, as it does itself for such a tuple at its first pass: the
 * cache holds a hundred thousand entries, none of which can be in a cycle. */
static PyObject *untracked(PyObject *tuple) {
    if (tuple == NULL || !PyObject_GC_IsTracked(tuple))
        return tuple;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(tuple); i++) {
        PyObject *item = PyTuple_GET_ITEM(tuple, i);
        if (PyObject_IS_GC(item) && (!PyTuple_CheckExact(item) || PyObject_GC_IsTracked(item)))
            return tuple;
    }
    PyObject_GC_UnTrack(tuple);
    return tuple;
}

/* _Known.links(word, bare, mid). */
static PyObject *links_of(TokenTexts *self, PyObject *word, PyObject *bare, PyObject *mid) {
    PyObject *values[3] = {word, bare, mid};
    PyObject *found[N_PAIR_KINDS];
    int count = 0;
    for (int slot = 0; slot < N_PAIR_KINDS; slot++) {
        PyObject *table = lookup(self, PyTuple_GET_ITEM(self->pairs, slot), values[slot % 3]);
        if (table == NULL) {
            if (PyErr_Occurred())
                goto error;
            continue;
        }
        if (table == Py_None) {
            Py_DECREF(table);
            continue;
        }
        PyObject *link = untracked(Py_BuildValue("(iiN)", slot < 3 ? -1 : 1, slot % 3, table));
        if (link == NULL)
            goto error;
        found[count++] = link;
    }
    PyObject *out = PyTuple_New(count);
    if (out == NULL)
        goto error;
    for (int i = 0; i < count; i++)
        PyTuple_SET_ITEM(out, i, found[i]);
    return untracked(out);
error:
    for (int i = 0; i < count; i++)
        Py_DECREF(found[i]);
    return NULL;
}

/* The groups of rows of one described token, and its entry (new reference). */
static PyObject *add_token(TokenTexts *self, Token *t, Py_ssize_t row, Rows *flat, Rows *starts) {
    /* Its own rows: bias, its features, its clusters. */
    if (rows_push(starts, flat->size) < 0 || rows_push(flat, self->group_row) < 0
            || push_row_of(self, flat, self->s_bias) < 0)
        return NULL;
    for (int i = 0; i < t->n_own; i++)
        if (push_row_of(self, flat, t->own[i]) < 0)
            return NULL;
    Py_ssize_t n_clus = t->clus ? PyTuple_GET_SIZE(t->clus) : 0;
    for (Py_ssize_t i = 0; i < n_clus; i++)
        if (push_row_of(self, flat, PyTuple_GET_ITEM(t->clus, i)) < 0)
            return NULL;
    /* The rows of the values a neighbour sees, at each offset (_Known.near). */
    Py_ssize_t near_rows[4][N_OFFSETS];
    int n_near = 0;
    for (int i = 0; i < t->n_near; i++) {
        PyObject *rows = lookup(self, self->near, t->near_keys[i]);
        if (rows == NULL) {
            if (PyErr_Occurred())
                return NULL;
            continue;
        }
        int truth = PyObject_IsTrue(rows);
        if (truth <= 0) {
            Py_DECREF(rows);
            if (truth < 0)
                return NULL;
            continue;
        }
        PyObject *seq = PySequence_Fast(rows, "near rows must be a sequence");
        Py_DECREF(rows);
        if (seq == NULL)
            return NULL;
        if (PySequence_Fast_GET_SIZE(seq) != N_OFFSETS) {
            Py_DECREF(seq);
            PyErr_SetString(PyExc_ValueError, "near rows must give one row per offset");
            return NULL;
        }
        for (int off = 0; off < N_OFFSETS; off++) {
            Py_ssize_t r = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(seq, off));
            if (r < 0) {
                Py_DECREF(seq);
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_ValueError, "a row of the model's weights is negative");
                return NULL;
            }
            near_rows[n_near][off] = r;
        }
        Py_DECREF(seq);
        n_near++;
    }
    /* At each offset: its first two clusters (the second alone two tokens
     * away), then the near words. */
    Py_ssize_t n_two = n_clus < 2 ? n_clus : 2;
    for (int off = 0; off < N_OFFSETS; off++) {
        if (rows_push(starts, flat->size) < 0 || rows_push(flat, self->group_row) < 0)
            return NULL;
        Py_ssize_t from = (off == 1 || off == 2) ? 0 : 1;
        for (Py_ssize_t i = from; i < n_two; i++) {
            PyObject *name = prefixed(OFFSET_NAMES[off], PyTuple_GET_ITEM(t->clus, i));
            if (name == NULL)
                return NULL;
            Py_ssize_t r = row_of(self, name);
            Py_DECREF(name);
            if (r < 0 || rows_push(flat, r) < 0)
                return NULL;
        }
        for (int i = 0; i < n_near; i++)
            if (rows_push(flat, near_rows[i][off]) < 0)
                return NULL;
    }
    /* The entry. */
    PyObject *mid = n_clus ? PyTuple_GET_ITEM(t->clus, n_clus == 1 ? 0 : 1) : self->s_empty;
    PyObject *links = links_of(self, t->word, t->bare, mid);
    if (links == NULL)
        return NULL;
    int gaz = may_begin_name(self, t->word);
    if (gaz < 0) {
        Py_DECREF(links);
        return NULL;
    }
    return untracked(Py_BuildValue("(OOONOn)", t->word, t->bare, mid, links,
                                   gaz ? Py_True : Py_False, row));
}

/* --- the type --------------------------------------------------------------- */

PyDoc_STRVAR(add_doc,
"add(texts, first, stem) -> (flat, starts, entries)\n\n"
"The features of each token text (a list of str), as _TokenCache._add builds\n"
"them: ``flat`` and ``starts`` the rows and group starts (bytes of intp, five\n"
"groups per text), ``entries`` a list of (word, bare, mid, links, gazetteer,\n"
"row), rows numbered from ``first``; ``stem`` gives the light stem of a\n"
"folded word.");

static PyObject *TokenTexts_add(TokenTexts *self, PyObject *args) {
    PyObject *texts, *stemmer;
    Py_ssize_t first;
    if (!PyArg_ParseTuple(args, "O!nO:add", &PyList_Type, &texts, &first, &stemmer))
        return NULL;
    if (!self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "TokenTexts was not initialised");
        return NULL;
    }
    if (!PyCallable_Check(stemmer)) {
        PyErr_SetString(PyExc_TypeError, "stem must be callable");
        return NULL;
    }
    Rows flat = {NULL, 0, 0}, starts = {NULL, 0, 0};
    PyObject *entries = PyList_New(0);
    PyObject *result = NULL;
    if (entries == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(texts); i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        Py_INCREF(text);  /* the list may change while Python code runs */
        Token t;
        memset(&t, 0, sizeof t);
        PyObject *entry = NULL;
        if (describe(self, text, stemmer, &t) == 0)
            entry = add_token(self, &t, first + i, &flat, &starts);
        token_clear(&t);
        Py_DECREF(text);
        if (entry == NULL)
            goto done;
        int appended = PyList_Append(entries, entry);
        Py_DECREF(entry);
        if (appended < 0)
            goto done;
    }
    {
        PyObject *flat_bytes = rows_bytes(&flat);
        PyObject *starts_bytes = flat_bytes ? rows_bytes(&starts) : NULL;
        if (starts_bytes != NULL)
            result = PyTuple_Pack(3, flat_bytes, starts_bytes, entries);
        Py_XDECREF(flat_bytes);
        Py_XDECREF(starts_bytes);
    }
done:
    PyMem_Free(flat.data);
    PyMem_Free(starts.data);
    Py_DECREF(entries);
    return result;
}

static PyMethodDef TokenTexts_methods[] = {
    {"add", (PyCFunction)TokenTexts_add, METH_VARARGS, add_doc},
    {NULL, NULL, 0, NULL},
};

#define TABLES(X) X(rows) X(near) X(pairs) X(clusters) X(triggers) X(no_trigger) X(names) \
    X(adjectives) X(fold) X(article_clitics) X(one_letter) X(s_bias) X(s_punct) X(s_digits) \
    X(s_num) X(s_latin) X(s_hasdigit) X(s_al) X(s_cal) X(s_none) X(s_empty) X(s_get)

static int TokenTexts_traverse(TokenTexts *self, visitproc visit, void *arg) {
#define VISIT(name) Py_VISIT(self->name);
    TABLES(VISIT)
#undef VISIT
    for (int i = 0; i < 6; i++)
        Py_VISIT(self->s_dlen[i]);
    for (int i = 0; i < 9; i++)
        Py_VISIT(self->s_len[i]);
    return 0;
}

static int TokenTexts_clear(TokenTexts *self) {
    self->ready = 0;
#define CLEAR(name) Py_CLEAR(self->name);
    TABLES(CLEAR)
#undef CLEAR
    for (int i = 0; i < 6; i++)
        Py_CLEAR(self->s_dlen[i]);
    for (int i = 0; i < 9; i++)
        Py_CLEAR(self->s_len[i]);
    return 0;
}

static void TokenTexts_dealloc(TokenTexts *self) {
    PyObject_GC_UnTrack(self);
    TokenTexts_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int TokenTexts_init(TokenTexts *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"rows", "missing_row", "group_row", "near", "pairs", "clusters",
                               "triggers", "no_trigger", "names", "adjectives", "fold",
                               "article_clitics", "one_letter", NULL};
    PyObject *rows, *near, *pairs, *clusters, *triggers, *no_trigger, *names, *adjectives;
    PyObject *fold, *article_clitics, *one_letter;
    Py_ssize_t missing_row, group_row;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OnnOO!OOOOOOO!U:TokenTexts", keywords,
                                     &rows, &missing_row, &group_row, &near, &PyTuple_Type,
                                     &pairs, &clusters, &triggers, &no_trigger, &names,
                                     &adjectives, &fold, &PyTuple_Type, &article_clitics,
                                     &one_letter))
        return -1;
    if (PyTuple_GET_SIZE(pairs) != N_PAIR_KINDS) {
        PyErr_SetString(PyExc_ValueError, "pairs: one table per pair kind (six)");
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(article_clitics); i++) {
        if (!PyUnicode_Check(PyTuple_GET_ITEM(article_clitics, i))) {
            PyErr_SetString(PyExc_TypeError, "article_clitics must be a tuple of str");
            return -1;
        }
    }
    if (missing_row < 0 || group_row < 0) {
        PyErr_SetString(PyExc_ValueError, "rows of the model's weights are not negative");
        return -1;
    }
    if (!PyCallable_Check(fold)) {
        PyErr_SetString(PyExc_TypeError, "fold must be callable");
        return -1;
    }
    TokenTexts_clear(self);
    self->missing_row = missing_row;
    self->group_row = group_row;
#define SET(name) self->name = Py_NewRef(name);
    SET(rows) SET(near) SET(pairs) SET(clusters) SET(triggers) SET(no_trigger) SET(names)
    SET(adjectives) SET(fold) SET(article_clitics) SET(one_letter)
#undef SET
    self->s_bias = PyUnicode_FromString("bias");
    self->s_punct = PyUnicode_FromString("punct");
    self->s_digits = PyUnicode_FromString("digits");
    self->s_num = PyUnicode_FromString("<num>");
    self->s_latin = PyUnicode_FromString("latin");
    self->s_hasdigit = PyUnicode_FromString("hasdigit");
    self->s_al = PyUnicode_FromString("al");
    self->s_cal = PyUnicode_FromString("c+al");
    self->s_none = PyUnicode_FromString("k=none");
    self->s_empty = PyUnicode_FromString("");
    self->s_get = PyUnicode_InternFromString("get");
    if (!self->s_bias || !self->s_punct || !self->s_digits || !self->s_num || !self->s_latin
            || !self->s_hasdigit || !self->s_al || !self->s_cal || !self->s_none
            || !self->s_empty || !self->s_get)
        return -1;
    for (int i = 0; i < 6; i++)
        if ((self->s_dlen[i] = PyUnicode_FromFormat("dlen=%d", i)) == NULL)
            return -1;
    for (int i = 0; i < 9; i++)
        if ((self->s_len[i] = PyUnicode_FromFormat("len=%d", i)) == NULL)
            return -1;
    self->ready = 1;
    return 0;
}

PyDoc_STRVAR(TokenTexts_doc,
"TokenTexts(rows, missing_row, group_row, near, pairs, clusters, triggers,\n"
"           no_trigger, names, adjectives, fold, article_clitics, one_letter)\n\n"
"The compiled features of token texts for one model and one Features\n"
"(see _TokenCache in arsearch/extract/ner.py, which builds it from their tables).");

static PyTypeObject TokenTextsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "arsearch.extract._cner.TokenTexts",
    .tp_basicsize = sizeof(TokenTexts),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = TokenTexts_doc,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)TokenTexts_init,
    .tp_dealloc = (destructor)TokenTexts_dealloc,
    .tp_traverse = (traverseproc)TokenTexts_traverse,
    .tp_clear = (inquiry)TokenTexts_clear,
    .tp_methods = TokenTexts_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "arsearch.extract._cner",
    .m_doc = "The name tagger's per-token-text features, compiled (twin of ner._TokenCache._add).",
    .m_size = 0,
};

PyMODINIT_FUNC PyInit__cner(void) {
    if (PyType_Ready(&TokenTextsType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&TokenTextsType);
    if (PyModule_AddObject(m, "TokenTexts", (PyObject *)&TokenTextsType) < 0) {
        Py_DECREF(&TokenTextsType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
