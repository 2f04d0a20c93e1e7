"""Models of the search app: the documents every backend indexes (one row per searchable object,
whatever app it comes from), the dictionary of indexed terms (suggestions, pinyin, typos), the
synonym and colloquial-phrase table catalog admins maintain, and the query statistics behind the
zero-result and low-click report.

The full-text index itself is not a Django model: the SQLite backend keeps an FTS5 table and the
PostgreSQL backend a tsvector table (created by migration 0002 for the database in use), both
keyed by `SearchDocument.id`."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.models import BaseModel


class SearchDocument(models.Model):
    """One searchable object as its provider describes it (see `search.registry`). Derived data:
    `search rebuild` recreates every row from the providers."""

    doc_type = models.CharField(_("类型"), max_length=20)
    key = models.CharField(_("来源标识"), max_length=64)
    # Documents with one group collapse into one result (the county implementations of one
    # basic matter and the basic matter itself share its basic code).
    group_key = models.CharField(_("归并标识"), max_length=64, db_index=True)
    code = models.CharField(_("编码"), max_length=64, blank=True)
    name = models.CharField(_("名称"), max_length=300)
    aliases = models.TextField(_("别名"), blank=True, help_text=_("每行一个，已转为简体小写"))
    url = models.CharField(_("链接"), max_length=300)
    snippet = models.TextField(_("摘要原文"), blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    region_name = models.CharField(_("区划名称"), max_length=100, blank=True)
    level = models.CharField(_("行使层级"), max_length=2, blank=True)
    department = models.CharField(_("部门"), max_length=200, blank=True)
    popularity = models.PositiveIntegerField(_("热度"), default=0)
    online = models.BooleanField(_("全程网办"), default=False)
    # For the document that names a group (a basic matter): how many documents it stands for
    # (its implementations), shown as "另有N个地区可办理"; null for every other document.
    group_size = models.PositiveIntegerField(_("归并数量"), null=True, blank=True)
    extra = models.JSONField(_("附加信息"), default=dict, blank=True)
    indexed_at = models.DateTimeField(_("索引时间"), auto_now=True)

    class Meta:
        ordering = ["doc_type", "key"]
        verbose_name = _("搜索文档")
        verbose_name_plural = _("搜索文档")
        constraints = [
            models.UniqueConstraint(fields=["doc_type", "key"], name="search_doc_type_key")
        ]
        indexes = [
            models.Index(fields=["group_key", "region_code"], name="search_doc_group_region")
        ]

    def __str__(self) -> str:
        return f"{self.doc_type}:{self.key} {self.name}"


class SearchTerm(models.Model):
    """The dictionary of indexed terms: names and words of the documents, and the synonym table's
    phrases, with their pinyin, for suggestions, pinyin input and typo correction."""

    class Kind(models.TextChoices):
        NAME = "name", _("名称")
        WORD = "word", _("词语")
        PHRASE = "phrase", _("同义词/俗称")

    term = models.CharField(_("词语"), max_length=200, unique=True)
    kind = models.CharField(_("类别"), max_length=8, choices=Kind.choices)
    pinyin = models.CharField(_("全拼"), max_length=400, db_index=True)
    initials = models.CharField(_("拼音首字母"), max_length=200, db_index=True)
    weight = models.PositiveIntegerField(_("权重"), default=0)
    documents = models.PositiveIntegerField(_("文档数"), default=0)

    class Meta:
        ordering = ["-weight", "term"]
        verbose_name = _("索引词")
        verbose_name_plural = _("索引词")

    def __str__(self) -> str:
        return self.term


class Synonym(BaseModel):
    """A word or phrase people type (驾照, 开饭店) and what the catalog calls it (机动车驾驶证;
    餐饮, 食品经营许可). A query holding the term also looks for each expansion."""

    class Kind(models.TextChoices):
        SYNONYM = "synonym", _("同义词")
        COLLOQUIAL = "colloquial", _("俗称/口语")
        ABBREVIATION = "abbreviation", _("简称")

    term = models.CharField(_("用户输入"), max_length=50, unique=True)
    expansions = models.JSONField(_("对应的规范词"), default=list)
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices, default=Kind.SYNONYM)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["term"]
        verbose_name = _("同义词")
        verbose_name_plural = _("同义词")

    def __str__(self) -> str:
        return f"{self.term} → {'、'.join(self.expansions)}"


class QueryStat(models.Model):
    """How often a query was asked on a day, how often it found nothing, and how often someone
    opened a result: catalog admins read it to learn what people look for and do not find."""

    day = models.DateField(_("日期"))
    query = models.CharField(_("搜索词"), max_length=100)
    searches = models.PositiveIntegerField(_("搜索次数"), default=0)
    zero_results = models.PositiveIntegerField(_("无结果次数"), default=0)
    clicks = models.PositiveIntegerField(_("点击次数"), default=0)
    last_total = models.PositiveIntegerField(_("最近结果数"), default=0)

    class Meta:
        ordering = ["-day", "-searches"]
        verbose_name = _("搜索词统计")
        verbose_name_plural = _("搜索词统计")
        constraints = [models.UniqueConstraint(fields=["day", "query"], name="search_stat_day_q")]

    def __str__(self) -> str:
        return f"{self.day} {self.query}"
