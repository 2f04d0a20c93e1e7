"""Catalog administration (事项管理) in the workbench: the implementation list of the admin's
scope, each item's versions and their comparison, the guide editor, review (four eyes),
withdrawal, the guide quality report and bulk import.

Only catalog and platform administrators open these pages (others get the workbench 403 page);
an item outside the caller's scope is "not found". Every write goes through catalog.services
(or the importer), which checks scope again and writes the audit entry.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.catalog.diff import guide_diff
from tongban.catalog.excel import dataset_to_workbook, template
from tongban.catalog.exporter import catalog_export_dataset, catalog_export_json
from tongban.catalog.guide_schema import GuideContent
from tongban.catalog.importer import ImportProblem, ImportRejected, catalog_import_file
from tongban.catalog.models import GuideStatus, GuideVersion, ImplementationItem
from tongban.catalog.permissions import CATALOG_ROLES
from tongban.catalog.quality import ISSUE_KINDS, QualityIssue, catalog_quality_for_admin
from tongban.catalog.quality import guide_quality as check_guide
from tongban.catalog.selectors import (
    OPEN_STATUSES,
    item_get_for_admin,
    item_list_for_admin,
    review_queue,
    version_get_for_admin,
    versions_for_admin,
)
from tongban.catalog.services import (
    guide_draft_save,
    guide_review,
    guide_submit,
    guide_withdraw,
)
from tongban.core.context_processors import is_staff_user
from tongban.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from tongban.core.scopes import staff_scope
from tongban.workbench.forms.catalog import (
    NESTED_LABELS,
    SECTION_BY_PREFIX,
    SECTIONS,
    CompareForm,
    GuideEditor,
    ImportForm,
    ItemFilterForm,
    ReviewForm,
    SubmitForm,
    WithdrawForm,
    element_label,
    element_value,
    show_equals,
    top_label,
)

PAGE_SIZE = 20
QUEUE_PAGE_SIZE = 50
QUALITY_MAX_ITEMS = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

View = Callable[..., HttpResponse]


def catalog_admin_required(view: View) -> View:
    """Signed in, staff, and a catalog or platform administrator somewhere; domain errors that
    escape the view become the workbench's 404 and 403 pages."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not is_staff_user(user) or staff_scope(user, roles=CATALOG_ROLES).is_empty:
            raise HttpForbidden(
                _(
                    "事项管理仅供事项管理员和平台管理员使用。如需维护本单位的实施清单和办事指南，"
                    "请联系本单位管理员为您分配“事项管理员”岗位。"
                )
            )
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from exc

    return wrapper


def _item_url(code: str) -> str:
    return reverse("workbench:catalog_item", args=[code])


def _edit_url(code: str) -> str:
    return reverse("workbench:catalog_edit", args=[code])


def _version_url(code: str, number: int) -> str:
    return reverse("workbench:catalog_version", args=[code, number])


def _open_version(versions: list[GuideVersion]) -> GuideVersion | None:
    return next((v for v in versions if v.status in OPEN_STATUSES), None)


def _published_version(versions: list[GuideVersion]) -> GuideVersion | None:
    return next((v for v in versions if v.status == GuideStatus.PUBLISHED), None)


def _error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)
    for problem in exc.fields[:10]:
        messages.error(request, f"{element_label(problem.field)}：{problem.message}")


# --- 事项清单 ------------------------------------------------------------------------------------


@require_GET
@catalog_admin_required
def item_list(request: HttpRequest) -> HttpResponse:
    filters = ItemFilterForm(request.GET)
    q = status = ""
    if filters.is_valid():
        q, status = filters.cleaned_data["q"], filters.cleaned_data["status"]
    items = item_list_for_admin(request.user, q=q, status=status)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "q": q,
        "status": status,
    }
    return render(request, "workbench/catalog/item_list.html", context)


# --- Item detail, versions and comparison --------------------------------------------------------


@dataclass(frozen=True)
class QualityBlock:
    title: str
    version: GuideVersion
    issues: list[QualityIssue]


def _quality_blocks(item: ImplementationItem, versions: list[GuideVersion]) -> list[QualityBlock]:
    blocks = []
    for version, title in (
        (_open_version(versions), _("正在编辑的第%(n)s版")),
        (_published_version(versions), _("现行的第%(n)s版")),
    ):
        if version is not None:
            issues = check_guide(version.content, item, digest=version.content_digest or None)
            blocks.append(QualityBlock(title % {"n": version.number}, version, issues))
    return blocks


@require_GET
@catalog_admin_required
def item_detail(request: HttpRequest, code: str) -> HttpResponse:
    item = item_get_for_admin(request.user, code)
    versions = versions_for_admin(request.user, item.code)
    open_version = _open_version(versions)
    published = _published_version(versions)
    numbers = [v.number for v in versions]
    context = {
        "item": item,
        "versions": versions,
        "open_version": open_version,
        "published": published,
        "summary": _summary(published.content) if published else [],
        "quality": _quality_blocks(item, versions),
        "compare_form": CompareForm(numbers=numbers, initial=_default_pair(numbers)),
        "submit_form": (
            SubmitForm(initial={"number": open_version.number, "revision": open_version.revision})
            if open_version is not None and open_version.status == GuideStatus.DRAFT
            else None
        ),
        "withdraw_form": WithdrawForm() if published else None,
        "can_start": open_version is None and bool(versions),
        "is_submitter": bool(
            open_version is not None and open_version.submitted_by_id == request.user.pk
        ),
    }
    return render(request, "workbench/catalog/item_detail.html", context)


SUMMARY_KEYS = (
    "case_kind",
    "legal_days",
    "promised_days",
    "visits",
    "service_objects",
    "online_depth",
    "place",
    "hours",
    "consult_phone",
    "supervise_phone",
)


def _summary(content: dict[str, Any]) -> list[tuple[str, str]]:
    facts = [(top_label(key), element_value(key, content.get(key))) for key in SUMMARY_KEYS]
    facts.append((top_label("materials"), _("%(n)s项") % {"n": len(content.get("materials", []))}))
    fees = content.get("fees") or {}
    facts.append((top_label("fees"), _("收费") if fees.get("charged") else _("不收费")))
    return facts


def _default_pair(numbers: list[int]) -> dict[str, int]:
    """Newest against the one before it (numbers are newest first)."""
    if not numbers:
        return {}
    return {"a": numbers[1] if len(numbers) > 1 else numbers[0], "b": numbers[0]}


@dataclass(frozen=True)
class Card:
    """One element of a list (a material, a step…) with its non-empty values."""

    title: str
    facts: list[tuple[str, str]]


@dataclass(frozen=True)
class Block:
    title: str
    facts: list[tuple[str, str]]
    cards: list[Card] | None = None  # None: a plain element; []: a list without entries


def _cards(path: str, rows: list[Any], row_title: str) -> list[Card]:
    labels = NESTED_LABELS.get(re.sub(r"\[\d+\]", "", path), {})
    cards = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            continue
        facts = []
        for key, value in row.items():
            if value in ("", None, []) or (key == "visible_if" and not value):
                continue
            label = str(labels.get(key, key))
            if key == "visible_if" and isinstance(value, dict):
                shown = _("当字段“%(f)s”为“%(v)s”时显示") % {
                    "f": value.get("field", ""),
                    "v": show_equals(value.get("equals")),
                }
            else:
                shown = element_value(f"{path}[{index}].{key}", value)
            facts.append((label, shown))
        name = row.get("name") or row.get("label") or row.get("question") or ""
        cards.append(Card(f"{row_title} {index + 1}" + (f"：{name}" if name else ""), facts))
    return cards


def guide_blocks(content: dict[str, Any]) -> list[Block]:
    """A guide as a person reads it: every element in the schema's order, lists as cards."""
    plain: list[tuple[str, str]] = []
    blocks: list[Block] = [Block(_("基本要素"), plain)]
    rows_of = {
        "materials": (content.get("materials") or [], _("材料")),
        "steps": (content.get("steps") or [], _("步骤")),
        "faq": (content.get("faq") or [], _("问题")),
    }
    for key in GuideContent.model_fields:
        value = content.get(key)
        if key in rows_of:
            rows, row_title = rows_of[key]
            blocks.append(Block(top_label(key), [], _cards(key, rows, row_title)))
        elif key == "fees":
            fees = value or {}
            facts = [(_("是否收费"), element_value("fees.charged", bool(fees.get("charged"))))]
            cards = _cards("fees.items", fees.get("items") or [], _("收费项目"))
            blocks.append(Block(top_label("fees"), facts, cards))
        elif key == "form":
            fields = (value or {}).get("fields") or []
            blocks.append(Block(top_label("form"), [], _cards("form.fields", fields, _("字段"))))
        elif key == "workflow":
            steps = (value or {}).get("steps") or []
            cards = _cards("workflow.steps", steps, _("环节"))
            blocks.append(Block(top_label("workflow"), [], cards))
        elif key in {"cross_region", "result"} and isinstance(value, dict):
            labels = NESTED_LABELS[key]
            for sub, sub_value in value.items():
                where = f"{top_label(key)} › {labels.get(sub, sub)}"
                plain.append((where, element_value(f"{key}.{sub}", sub_value)))
        else:
            plain.append((top_label(key), element_value(key, value)))
    return blocks


@require_GET
@catalog_admin_required
def version_detail(request: HttpRequest, code: str, number: int) -> HttpResponse:
    item = item_get_for_admin(request.user, code)
    version = version_get_for_admin(request.user, item.code, number)
    submitted = version.status == GuideStatus.SUBMITTED
    context = {
        "item": item,
        "version": version,
        "blocks": guide_blocks(version.content),
        "review_form": ReviewForm() if submitted else None,
        "is_submitter": submitted and version.submitted_by_id == request.user.pk,
        "previous": number - 1 if number > 1 else None,
    }
    return render(request, "workbench/catalog/version.html", context)


@require_GET
@catalog_admin_required
def version_json(request: HttpRequest, code: str, number: int) -> HttpResponse:
    item = item_get_for_admin(request.user, code)
    version = version_get_for_admin(request.user, item.code, number)
    text = json.dumps(version.content, ensure_ascii=False, indent=2)
    context = {"item": item, "version": version, "json_text": text}
    return render(request, "workbench/catalog/version_json.html", context)


@dataclass(frozen=True)
class DiffRow:
    label: str
    path: str
    kind: str
    before: str
    after: str


CHANGE_KINDS = {
    "added": gettext_lazy("新增"),
    "removed": gettext_lazy("删除"),
    "changed": gettext_lazy("修改"),
}


@require_GET
@catalog_admin_required
def version_compare(request: HttpRequest, code: str) -> HttpResponse:
    item = item_get_for_admin(request.user, code)
    versions = versions_for_admin(request.user, item.code)
    by_number = {v.number: v for v in versions}
    numbers = list(by_number)
    form = CompareForm(request.GET or None, numbers=numbers, initial=_default_pair(numbers))
    if form.is_bound and form.is_valid():
        a, b = form.cleaned_data["a"], form.cleaned_data["b"]
    else:
        pair = _default_pair(numbers)
        a, b = pair.get("a"), pair.get("b")
    rows: list[DiffRow] = []
    if a is not None and b is not None:
        for change in guide_diff(by_number[a].content, by_number[b].content):
            rows.append(
                DiffRow(
                    label=element_label(change.path),
                    path=change.path,
                    kind=str(CHANGE_KINDS[change.kind]),
                    before=element_value(change.path, change.before),
                    after=element_value(change.path, change.after),
                )
            )
    context = {
        "item": item,
        "form": form,
        "a": by_number.get(a) if a is not None else None,
        "b": by_number.get(b) if b is not None else None,
        "rows": rows,
    }
    return render(request, "workbench/catalog/compare.html", context)


# --- Editing ---------------------------------------------------------------------------------


@require_POST
@catalog_admin_required
def version_start(request: HttpRequest, code: str) -> HttpResponse:
    """Start a new version from the published guide (or the latest one when none is)."""
    item = item_get_for_admin(request.user, code)
    versions = versions_for_admin(request.user, item.code)
    if _open_version(versions) is not None:
        messages.info(request, _("该事项已有正在编辑或待审核的版本。"))
        return redirect(_item_url(item.code))
    base = _published_version(versions) or (versions[0] if versions else None)
    if base is None:
        raise Http404
    try:
        draft = guide_draft_save(actor=request.user, item_code=item.code, content=base.content)
    except (ValidationFailed, Conflict) as exc:
        _error(request, exc)
        return redirect(_item_url(item.code))
    messages.success(
        request,
        _("已从第%(base)s版创建第%(n)s版草稿，修改后提交审核。")
        % {"base": base.number, "n": draft.number},
    )
    return redirect(_edit_url(item.code))


@require_http_methods(["GET", "POST"])
@catalog_admin_required
def draft_edit(request: HttpRequest, code: str) -> HttpResponse:
    item = item_get_for_admin(request.user, code)
    versions = versions_for_admin(request.user, item.code)
    draft = _open_version(versions)
    if request.method == "POST":
        return _draft_save(request, item, draft)
    if draft is None:
        messages.info(request, _("该事项没有正在编辑的草稿。请先点击“开始新版本”。"))
        return redirect(_item_url(item.code))
    if draft.status != GuideStatus.DRAFT:
        messages.warning(
            request, _("第%(n)s版已提交审核，审核退回后才能修改。") % {"n": draft.number}
        )
        return redirect(_item_url(item.code))
    editor = GuideEditor.unbound(
        draft.content, number=draft.number, revision=draft.revision, change_note=draft.change_note
    )
    return _editor_page(request, item, draft, editor)


def _draft_save(
    request: HttpRequest, item: ImplementationItem, draft: GuideVersion | None
) -> HttpResponse:
    """Save the editor, or show it again with what was typed: after an "add a row" click, with
    the problems next to their fields, or with a conflict when someone changed the draft."""
    editor = GuideEditor.bound(request.POST)
    added = request.POST.get("add", "")
    conflict = summary = ""
    if added in SECTION_BY_PREFIX:
        editor = editor.with_row_added(added)
    elif (
        draft is None
        or draft.status != GuideStatus.DRAFT
        or str(draft.number) != request.POST.get("number", "")
    ):
        # The version on screen was submitted, published or replaced meanwhile: saving now
        # would start a new version from stale content. Nothing is saved; the input stays.
        conflict = _("您编辑的版本已不再是草稿（可能已被提交审核或发布），本次修改没有保存。")
    elif editor.is_valid():
        content = editor.content(
            item_type=item.basic_item.item_type, exercise_level=item.exercise_level
        )
        try:
            saved = guide_draft_save(
                actor=request.user,
                item_code=item.code,
                content=content,
                revision=editor.form.cleaned_data["revision"],
                change_note=editor.form.cleaned_data["change_note"],
            )
        except ValidationFailed as exc:
            # Shown in the page's error summary (role=alert) rather than as a flash message:
            # the page is shown again, not redirected.
            editor.show_problems(exc.fields, content)
            summary = exc.message
        except Conflict as exc:
            conflict = exc.message
        else:
            messages.success(
                request,
                _("已保存第%(n)s版草稿（第%(r)s次修订）。")
                % {"n": saved.number, "r": saved.revision},
            )
            return redirect(_edit_url(item.code))
    else:
        summary = _("有些内容需要修改，请按页面上的提示逐项修改后再保存。")
    return _editor_page(request, item, draft, editor, conflict=conflict, summary=summary)


def _editor_page(
    request: HttpRequest,
    item: ImplementationItem,
    draft: GuideVersion | None,
    editor: GuideEditor,
    *,
    conflict: str = "",
    summary: str = "",
) -> HttpResponse:
    editable = draft is not None and draft.status == GuideStatus.DRAFT
    number = editor.form["number"].value() or (draft.number if draft else "")
    context = {
        "item": item,
        "draft": draft,
        "number": number,
        "editor": editor,
        "form": editor.form,
        "sections": [
            (s, editor.formsets[s.prefix], editor.section_errors.get(s.prefix, []))
            for s in SECTIONS
        ],
        "error_links": editor.error_links(),
        "conflict": conflict,
        "summary": summary,
        "quality": check_guide(draft.content, item) if editable and draft else None,
        "submit_form": (
            SubmitForm(initial={"number": draft.number, "revision": draft.revision})
            if editable and draft and not conflict
            else None
        ),
    }
    return render(request, "workbench/catalog/edit.html", context)


@require_POST
@catalog_admin_required
def draft_submit(request: HttpRequest, code: str) -> HttpResponse:
    item = item_get_for_admin(request.user, code)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("提交的信息不完整，请刷新页面后重试。"))
        return redirect(_item_url(item.code))
    try:
        version = guide_submit(
            actor=request.user,
            item_code=item.code,
            number=form.cleaned_data["number"],
            revision=form.cleaned_data["revision"],
        )
    except (Conflict, ValidationFailed) as exc:
        _error(request, exc)
        return redirect(_item_url(item.code))
    messages.success(
        request,
        _("第%(n)s版已提交审核。请由另一位事项管理员审核发布。") % {"n": version.number},
    )
    return redirect(_item_url(item.code))


@require_POST
@catalog_admin_required
def version_review(request: HttpRequest, code: str, number: int) -> HttpResponse:
    item = item_get_for_admin(request.user, code)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审核结论。"))
        return redirect(_version_url(item.code, number))
    approve = form.cleaned_data["decision"] == ReviewForm.APPROVE
    try:
        version = guide_review(
            actor=request.user,
            item_code=item.code,
            number=number,
            approve=approve,
            comment=form.cleaned_data["comment"],
        )
    except (PermissionDenied, ValidationFailed, Conflict) as exc:
        messages.error(request, exc.message)
        return redirect(_version_url(item.code, number))
    if approve:
        messages.success(request, _("第%(n)s版已审核通过并发布。") % {"n": version.number})
    else:
        messages.success(
            request,
            _("第%(n)s版已退回修改，编制人可在草稿中看到审核意见。") % {"n": version.number},
        )
    return redirect(_item_url(item.code))


@require_POST
@catalog_admin_required
def item_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    item = item_get_for_admin(request.user, code)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写取消事项的原因。"))
        return redirect(_item_url(item.code))
    try:
        guide_withdraw(actor=request.user, item_code=item.code, reason=form.cleaned_data["reason"])
    except (Conflict, ValidationFailed) as exc:
        _error(request, exc)
        return redirect(_item_url(item.code))
    messages.success(request, _("事项已取消，办事群众将不再看到它。历史版本仍可查阅。"))
    return redirect(_item_url(item.code))


# --- Review queue and quality ----------------------------------------------------------------


@require_GET
@catalog_admin_required
def review_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(review_queue(request.user), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workbench/catalog/review_queue.html", {"page": page})


@require_GET
@catalog_admin_required
def quality_report(request: HttpRequest) -> HttpResponse:
    report = catalog_quality_for_admin(request.user, max_items=QUALITY_MAX_ITEMS)
    kinds = [(str(ISSUE_KINDS.get(k, k)), n) for k, n in report.issues_by_kind.most_common()]
    bodies = [
        (body, [(str(ISSUE_KINDS.get(k, k)), n) for k, n in body.issues_by_kind.most_common(3)])
        for body in report.bodies
    ]
    items = [
        (entry, [(issue, element_label(issue.path)) for issue in entry.issues])
        for entry in report.items
    ]
    context = {
        "report": report,
        "kinds": kinds,
        "bodies": bodies,
        "items": items,
        "max_items": QUALITY_MAX_ITEMS,
    }
    return render(request, "workbench/catalog/quality.html", context)


# --- Import and export -----------------------------------------------------------------------


def _safe_name(name: str) -> str:
    stem = Path(name).name
    return re.sub(r"[^\w.\-（）()]", "_", stem)[-100:] or "upload"


@require_http_methods(["GET", "POST"])
@catalog_admin_required
def import_page(request: HttpRequest) -> HttpResponse:
    problems: list[ImportProblem] = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            with tempfile.TemporaryDirectory(prefix="tongban-import-") as folder:
                path = Path(folder) / _safe_name(upload.name)
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                try:
                    report = catalog_import_file(actor=request.user, path=path, publish=False)
                except ImportRejected as exc:
                    problems = exc.problems
                    messages.error(request, exc.message)
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, _("导入完成。") + report.text())
                    return redirect(reverse("workbench:catalog_import"))
        else:
            messages.error(request, _("请按提示选择要导入的文件。"))
    else:
        form = ImportForm()
    context = {"form": form, "problems": problems}
    return render(request, "workbench/catalog/import.html", context)


def _download(data: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_GET
@catalog_admin_required
def import_template(request: HttpRequest) -> HttpResponse:
    with tempfile.TemporaryDirectory(prefix="tongban-template-") as folder:
        path = Path(folder) / "template.xlsx"
        template(path)
        data = path.read_bytes()
    return _download(data, filename=_("事项目录导入模板.xlsx"), content_type=XLSX)


@require_GET
@catalog_admin_required
def export(request: HttpRequest) -> HttpResponse:
    """The published items of the caller's scope, in the import format (JSON or Excel)."""
    stamp = timezone.localdate().strftime("%Y%m%d")
    if request.GET.get("format") == "json":
        buffer = io.StringIO()
        catalog_export_json(buffer, actor=request.user)
        return _download(
            buffer.getvalue().encode(),
            filename=_("事项目录导出-%(d)s.json") % {"d": stamp},
            content_type="application/json; charset=utf-8",
        )
    dataset = catalog_export_dataset(actor=request.user)
    with tempfile.TemporaryDirectory(prefix="tongban-export-") as folder:
        path = Path(folder) / "export.xlsx"
        dataset_to_workbook(dataset, path)
        data = path.read_bytes()
    return _download(data, filename=_("事项目录导出-%(d)s.xlsx") % {"d": stamp}, content_type=XLSX)
