"""Query and document analysis for Chinese: normalisation (NFKC, traditional → simplified with
OpenCC, lower case), jieba segmentation with a government-domain dictionary, stop words,
synonym and colloquial-phrase expansion, pinyin and pinyin-initial input, and one-character
typo correction against the dictionary of indexed terms.

Nothing here touches the database: `search.vocabulary` feeds the words, synonyms and terms in,
so documents and queries of every backend are cut by the same rules.

Documents are cut into jieba's precise words plus every dictionary word inside a longer word
(机动车驾驶证 → 机动车驾驶证 机动车 驾驶证 驾驶 …): a query word, cut the same precise way, then
finds every document that holds it even where the document's cut glued it to its neighbours.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import jieba
import opencc
from pypinyin import Style, lazy_pinyin

logger = logging.getLogger(__name__)

# A token is a run of CJK ideographs, Latin letters or digits: punctuation never reaches an index
# (PostgreSQL's parser would otherwise glue "、" into words).
_TOKEN = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_SENTENCE = re.compile(r"[。；;\n]")
_PINYIN_QUERY = re.compile(r"[a-z][a-z' ]*")

# Words that say how people ask, not what they ask for: dropped from queries (never from
# documents, so 残疾人证办理 is still found by 残疾人证).
STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "吗",
        "呢",
        "啊",
        "吧",
        "呀",
        "和",
        "与",
        "及",
        "或",
        "在",
        "是",
        "我",
        "你",
        "他",
        "她",
        "我们",
        "想",
        "要",
        "想要",
        "需要",
        "要求",
        "能",
        "能否",
        "可以",
        "可否",
        "应该",
        "应当",
        "该",
        "怎么",
        "怎样",
        "怎么样",
        "如何",
        "怎么办",
        "咋",
        "咋办",
        "哪里",
        "哪儿",
        "在哪",
        "在哪里",
        "哪个",
        "哪些",
        "什么",
        "啥",
        "多少",
        "多久",
        "几",
        "几天",
        "吗",
        "办",
        "办理",
        "去",
        "到",
        "给",
        "请问",
        "请",
        "一下",
        "一个",
        "个",
        "些",
        "帮",
        "帮忙",
        "手续",
        "流程",
        "步骤",
        "攻略",
        "问题",
        "有关",
        "相关",
        "关于",
        "了解",
        "咨询",
        "如何办理",
        "怎么",
        "申请",
        "需要什么",
        "要什么",
        "什么样",
        "带",
        "带什么",
        "材料",
        "所需",
        "时候",
        "现在",
        "哪家",
        "哪个部门",
        "部门",
        "网上",
    ]
)
# Request words that are part of some names (申请, 材料, 网上, 部门) are still dropped: the name
# matches on its other words, and dropping them keeps "网上申请低保" from requiring 申请.

MAX_QUERY_LENGTH = 100
MAX_DOCUMENT_CHARS = 4000  # of guide text per document: enough for ranking, bounded index size
PINYIN_MIN_LENGTH = 2
COMMON_WORD_FREQ = 100  # jieba's frequency above which a word is taken as meant, not a typo


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """Full-width → half-width, traditional → simplified, lower case, single spaces."""
    if len(text or "") <= NORMALIZE_CACHED_LENGTH:
        return _normalize_cached(text or "")
    return _normalize(text)


NORMALIZE_CACHED_LENGTH = 2000


@lru_cache(maxsize=100_000)
def _normalize_cached(text: str) -> str:
    return _normalize(text)


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").replace("\x00", "")
    if _CJK.search(text):
        text = _t2s().convert(text)
    return " ".join(text.lower().split())


def pinyin_full(text: str) -> str:
    """驾驶证 → jiashizheng (letters and digits kept as they are)."""
    return "".join(lazy_pinyin(text, errors=lambda s: s.lower())).replace(" ", "")


def pinyin_initials(text: str) -> str:
    """驾驶证 → jsz."""
    parts = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda s: s.lower())
    return "".join(parts).replace(" ", "")


def is_pinyin_query(text: str) -> bool:
    return bool(_PINYIN_QUERY.fullmatch(text)) and len(text.replace(" ", "")) >= PINYIN_MIN_LENGTH


def deletes(word: str) -> Iterator[str]:
    """Every string one character shorter: two words within one edit (substitution, insertion or
    deletion of one character) share one of these keys or one is the other's key (SymSpell)."""
    for i in range(len(word)):
        yield word[:i] + word[i + 1 :]


# --- The query plan ----------------------------------------------------------------------------

Alternative = tuple[str, ...]  # tokens that must all match (a phrase cut into words)


@dataclass(frozen=True)
class Group:
    """One thing the user asked for: its own words, or any of its synonyms' words."""

    source: str
    alternatives: tuple[Alternative, ...]


@dataclass
class QueryPlan:
    text: str  # the query as typed (trimmed)
    normalized: str  # simplified, lower case
    groups: list[Group] = field(default_factory=list)
    converted_from_pinyin: bool = False
    corrected: str = ""  # the typo-corrected query the results are for, when there was a typo
    suggestion: str = ""  # "did you mean" when the plan kept the query as typed

    @property
    def empty(self) -> bool:
        return not self.groups

    @property
    def effective(self) -> str:
        return self.corrected or self.normalized

    def highlight_terms(self) -> list[str]:
        terms = {tok for g in self.groups for alt in g.alternatives for tok in alt}
        return sorted(terms, key=len, reverse=True)


# --- The analyzer ------------------------------------------------------------------------------


@dataclass
class Vocabulary:
    """Indexed terms for pinyin input and typo correction: word → weight."""

    words: dict[str, int] = field(default_factory=dict)
    indexed: set[str] = field(default_factory=set)  # words some document's index holds
    documents: dict[str, int] = field(default_factory=dict)  # how many documents name each
    total: int = 0  # documents in the index
    by_pinyin: dict[str, list[str]] = field(default_factory=dict)
    by_initials: dict[str, list[str]] = field(default_factory=dict)
    by_delete: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, weighted: Iterable[tuple[str, int]], indexed: Iterable[str] = ()) -> Vocabulary:
        vocab = cls(indexed=set(indexed))
        for word, weight in weighted:
            if len(word) < 2:
                continue
            vocab.words[word] = max(weight, vocab.words.get(word, 0))
        for word in vocab.words:
            if not _CJK.search(word):
                continue
            vocab.by_pinyin.setdefault(pinyin_full(word), []).append(word)
            vocab.by_initials.setdefault(pinyin_initials(word), []).append(word)
            if 2 <= len(word) <= 8:
                vocab.by_delete.setdefault(word, []).append(word)
                for key in deletes(word):
                    if len(key) >= 2:
                        vocab.by_delete.setdefault(key, []).append(word)
        for table in (vocab.by_pinyin, vocab.by_initials, vocab.by_delete):
            for key, words in table.items():
                words.sort(key=lambda w: (-vocab.words[w], w))
                table[key] = words
        return vocab

    def best(self, words: Sequence[str]) -> str:
        return words[0] if words else ""

    def near(self, chunk: str) -> str:
        """The known word one edit from `chunk` (same sound first, then same length), or ""."""
        if chunk in self.words:
            return chunk
        same_sound = [w for w in self.by_pinyin.get(pinyin_full(chunk), []) if len(w) == len(chunk)]
        if same_sound:
            return same_sound[0]
        found: list[str] = []
        for key in (chunk, *deletes(chunk)):
            found += [w for w in self.by_delete.get(key, ()) if w != chunk]
        if not found:
            return ""
        # One character mistyped, not one missing or extra: an input method swaps characters,
        # and dropping one would turn 第一次 into 一次.
        found = [
            w for w in dict.fromkeys(found) if len(w) == len(chunk) and _edit_distance_le1(chunk, w)
        ]
        found.sort(key=lambda w: (-self.words[w], w))
        return found[0] if found else ""


def _edit_distance_le1(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


class Analyzer:
    """Segmentation with the domain dictionary, synonyms and the vocabulary. One per process:
    jieba's dictionary takes about a second to load."""

    def __init__(self) -> None:
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self._lock = threading.Lock()
        self._added: set[str] = set()
        self.synonyms: dict[str, tuple[str, ...]] = {}
        self.vocabulary = Vocabulary()
        self._cut_cache: dict[str, tuple[str, ...]] = {}

    # Dictionary ---------------------------------------------------------------------------------

    def add_words(self, words: Iterable[str]) -> None:
        """Teach jieba domain words (机动车驾驶证, 开饭店, 公积金…) so both sides cut them whole."""
        new = []
        for word in words:
            word = normalize(word)
            if len(word) < 2 or word in self._added or not _TOKEN.fullmatch(word):
                continue
            new.append(word)
        if not new:
            return
        with self._lock:
            for word in new:
                if self._jieba.FREQ.get(word, 0) <= 0:
                    self._jieba.add_word(word, freq=max(self._jieba.suggest_freq(word), 50))
                self._added.add(word)
            self._cut_cache.clear()

    def set_synonyms(self, table: Mapping[str, Sequence[str]]) -> None:
        synonyms: dict[str, tuple[str, ...]] = {}
        for term, expansions in table.items():
            key = normalize(term).replace(" ", "")
            values = tuple(dict.fromkeys(normalize(e) for e in expansions if normalize(e)))
            if key and values:
                synonyms[key] = tuple(v for v in values if v != key)
        # Only the typed side becomes a word (so 开饭店 stays whole in a query); the catalog side
        # is cut like documents are, or it would stop matching documents indexed before.
        self.add_words(list(synonyms))
        self.synonyms = synonyms

    def set_vocabulary(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    def is_word(self, token: str) -> bool:
        return self._jieba.FREQ.get(token, 0) > 0

    def _common(self, token: str) -> bool:
        """A word common enough in general Chinese that it is no typo (第一次, 孩子)."""
        return len(token) >= 2 and self._jieba.FREQ.get(token, 0) >= COMMON_WORD_FREQ

    def _partition(self, token: str) -> list[str]:
        """Known words inside a word no document holds, left to right, longest first
        (房产信息 → 房产 信息); characters that start no known word are skipped."""
        known = self.vocabulary.indexed
        out, i = [], 0
        while i < len(token):
            for end in range(len(token), i + 1, -1):
                part = token[i:end]
                if part != token and len(part) >= 2 and (part in known or part in self.synonyms):
                    out.append(part)
                    i = end
                    break
            else:
                i += 1
        return out

    # Cutting ------------------------------------------------------------------------------------

    def _cut_piece(self, piece: str) -> tuple[str, ...]:
        if not _CJK.search(piece):
            return (piece,)
        cached = self._cut_cache.get(piece)
        if cached is None:
            cached = tuple(t for t in self._jieba.lcut(piece, HMM=False) if t.strip())
            if len(self._cut_cache) > 200_000:
                self._cut_cache.clear()
            self._cut_cache[piece] = cached
        return cached

    def _cut(self, text: str) -> tuple[str, ...]:
        return tuple(t for piece in _TOKEN.findall(text) for t in self._cut_piece(piece))

    def _subwords(self, token: str) -> list[str]:
        n = len(token)
        return [
            token[i : i + k]
            for k in range(n - 1, 1, -1)
            for i in range(n - k + 1)
            if self._jieba.FREQ.get(token[i : i + k], 0) > 0
        ]

    def _index_piece(self, piece: str) -> tuple[str, ...]:
        key = "\x00" + piece
        cached = self._cut_cache.get(key)
        if cached is None:
            out: list[str] = []
            for token in self._cut_piece(piece):
                out.append(token)
                if len(token) >= 3 and _CJK.search(token):
                    out.extend(self._subwords(token))
            cached = tuple(out)
            self._cut_cache[key] = cached
        return cached

    def index_tokens(self, text: str) -> list[str]:
        """Tokens of a document field: precise words, and the dictionary words inside them.
        Cut (and normalised) once per distinct sentence: the county implementations of a
        matter share their text."""
        out: list[str] = []
        for sentence in _SENTENCE.split((text or "")[:MAX_DOCUMENT_CHARS]):
            for piece in _TOKEN.findall(normalize(sentence)):
                out.extend(self._index_piece(piece))
        return out

    def index_text(self, text: str) -> str:
        return " ".join(self.index_tokens(text))

    def words(self, text: str) -> list[str]:
        """The precise words of a text (for the dictionary of indexed terms)."""
        return [t for t in self._cut(normalize(text)) if len(t) >= 2]

    # Queries ------------------------------------------------------------------------------------

    def _indexed_words(self, tokens: Sequence[str]) -> Alternative:
        """Tokens as the index holds them: a long word no document holds (a synonym phrase
        learnt after the documents were indexed) is replaced by the known words inside it."""
        out: list[str] = []
        for token in tokens:
            if (
                len(token) >= 3
                and _CJK.search(token)
                and self.vocabulary.indexed
                and token not in self.vocabulary.indexed
            ):
                out += self._partition(token) or [token]
            else:
                out.append(token)
        return tuple(dict.fromkeys(out))

    def _expand(self, token: str) -> tuple[Alternative, ...]:
        alternatives: list[Alternative] = [self._indexed_words([token])]
        for expansion in self.synonyms.get(token, ()):
            words = [t for t in self._cut(expansion) if t not in STOP_WORDS] or [expansion]
            alternatives.append(self._indexed_words(words))
        return tuple(dict.fromkeys(a for a in alternatives if a))

    def _groups(self, text: str) -> list[Group]:
        # A whole-query synonym first ("开饭店要什么证" may be in the table as a phrase).
        squeezed = text.replace(" ", "")
        tokens = list(self._cut(text))
        if squeezed in self.synonyms and len(tokens) > 1:
            return [Group(squeezed, self._expand(squeezed))]
        meaningful = [t for t in tokens if t not in STOP_WORDS]
        # Single characters say little (证, 办, 开) unless they are all the query has.
        content = [t for t in meaningful if len(t) > 1 or not _CJK.search(t)]
        chosen = content or meaningful or tokens
        words: list[str] = []
        for token in chosen:
            if (
                len(token) >= 3
                and _CJK.search(token)
                and self.vocabulary.indexed
                and token not in self.vocabulary.indexed
                and token not in self.synonyms
            ):
                words += self._partition(token) or [token]
            else:
                words.append(token)
        return [Group(token, self._expand(token)) for token in dict.fromkeys(words)]

    def _unknown(self, tokens: Sequence[str]) -> list[str]:
        """Query words no document holds (typos, and characters jieba split off around one)."""
        return [
            t
            for t in tokens
            if _CJK.search(t)
            and t not in STOP_WORDS
            and t not in self.synonyms
            and t not in self.vocabulary.words
            and not self._common(t)
        ]

    def _correct(self, text: str) -> str:
        """Replace the shortest stretch around unknown words by the known word one edit away:
        营业执找 → 营业执照, 身分证 → 身份证. Returns "" when nothing was changed."""
        if not self.vocabulary.words:
            return ""
        changed = False
        out = []
        for part in re.split(r"(\s+)", text):
            if not _CJK_RUN.fullmatch(part):
                out.append(part)
                continue
            fixed = self._correct_run(part)
            changed |= fixed != part
            out.append(fixed)
        return "".join(out) if changed else ""

    def _correct_run(self, run: str) -> str:
        tokens = list(self._cut(run))
        if not self._unknown(tokens):
            return run
        # Try windows over the run, longest first, that cover an unknown token.
        best = run
        for size in range(min(len(run), 8), 1, -1):
            for start in range(len(run) - size + 1):
                chunk = run[start : start + size]
                if chunk in self.vocabulary.words or chunk in STOP_WORDS:
                    continue
                near = self.vocabulary.near(chunk)
                if near and near != chunk:
                    candidate = run[:start] + near + run[start + size :]
                    if len(self._unknown(list(self._cut(candidate)))) < len(self._unknown(tokens)):
                        return candidate
        return best

    def _from_pinyin(self, text: str) -> str:
        """jiashizheng → 驾驶证; jsz → 驾驶证; "shebao ka" → 社保 卡 (each part on its own)."""
        vocab = self.vocabulary
        squeezed = text.replace(" ", "").replace("'", "")
        for table in (vocab.by_pinyin, vocab.by_initials):
            if squeezed in table:
                return table[squeezed][0]
        parts = [p for p in re.split(r"[ ']+", text) if p]
        if len(parts) > 1:
            found = [
                vocab.best(vocab.by_pinyin.get(p, []) or vocab.by_initials.get(p, []))
                for p in parts
            ]
            if all(found):
                return " ".join(found)
        # Split a run of full pinyin into known words greedily from the left.
        out, rest = [], squeezed
        while rest:
            for end in range(len(rest), 1, -1):
                hit = vocab.by_pinyin.get(rest[:end])
                if hit:
                    out.append(hit[0])
                    rest = rest[end:]
                    break
            else:
                return ""
        return " ".join(out)

    def plan(self, text: str) -> QueryPlan:
        text = " ".join((text or "").split())[:MAX_QUERY_LENGTH]
        normalized = normalize(text)
        plan = QueryPlan(text=text, normalized=normalized)
        if not normalized:
            return plan
        working = normalized
        if is_pinyin_query(working):
            hanzi = self._from_pinyin(working)
            if hanzi:
                working = hanzi
                plan.converted_from_pinyin = True
                plan.corrected = hanzi
        else:
            fixed = self._correct(working)
            if fixed:
                plan.corrected = fixed
                working = fixed
        plan.groups = self._groups(working)
        return plan


_instance: Analyzer | None = None
_instance_lock = threading.Lock()


def analyzer() -> Analyzer:
    """The process's analyzer (created on first use)."""
    global _instance
    if _instance is None:
        with _instance_lock:
            if _instance is None:
                _instance = Analyzer()
    return _instance


def highlight(text: str, terms: Sequence[str]) -> list[tuple[str, bool]]:
    """`text` split into (piece, is_match) for the terms (matched on the simplified text, so
    a traditional query highlights simplified names). Longest terms first."""
    if not text or not terms:
        return [(text, False)] if text else []
    # Stored names are simplified already; lower case keeps the positions of the text.
    simplified = text.lower()
    marks = [False] * len(text)
    for term in terms:
        if not term:
            continue
        start = simplified.find(term)
        while start != -1:
            for i in range(start, min(start + len(term), len(text))):
                marks[i] = True
            start = simplified.find(term, start + len(term))
    out: list[tuple[str, bool]] = []
    for char, mark in zip(text, marks, strict=True):
        if out and out[-1][1] == mark:
            out[-1] = (out[-1][0] + char, mark)
        else:
            out.append((char, mark))
    return out
