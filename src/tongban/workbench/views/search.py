"""Search maintenance (搜索维护) in the workbench: the synonym and colloquial-phrase table
(驾照 → 机动车驾驶证) catalog admins extend, and the report of what people searched for and did
not find (zero results) or seldom opened (low clicks). Writes go through tongban.search.services,
which checks the role again and writes the audit entry."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tongban.core.errors import DomainError, NotFound, PermissionDenied
from tongban.search.models import Synonym
from tongban.search.permissions import is_search_admin
from tongban.search.selectors import query_report, synonym_get, synonym_list
from tongban.search.services import synonym_create, synonym_delete, synonym_update

PAGE_SIZE = 50
REPORT_DAYS = (7, 30, 90)
View = Callable[..., HttpResponse]
_SPLIT = re.compile(r"[,，、;；\n]+")


def search_admin_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_search_admin(request.user):
            raise HttpForbidden(
                _(
                    "搜索维护仅供事项管理员和平台管理员使用。如需维护同义词，请联系本单位管理员分配“事项管理员”岗位。"
                )
            )
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from exc

    return wrapper


class SynonymForm(forms.Form):
    term = forms.CharField(
        label=gettext_lazy("用户输入的说法"),
        max_length=50,
        help_text=gettext_lazy("群众常用的说法、简称或错别字，例如：驾照、开饭店、社保"),
    )
    expansions = forms.CharField(
        label=gettext_lazy("对应的规范词"),
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("目录中的叫法，多个用逗号或顿号分隔，例如：机动车驾驶证、驾驶证"),
    )
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=Synonym.Kind.choices)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


class SynonymEditForm(SynonymForm):
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["term"].disabled = True


def split_expansions(text: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(text) if part.strip()]


def _apply_errors(form: forms.Form, exc: DomainError) -> None:
    if not exc.fields:
        form.add_error(None, exc.message)
    for problem in exc.fields:
        form.add_error(problem.field if problem.field in form.fields else None, problem.message)


@search_admin_required
@require_http_methods(["GET", "POST"])
def synonyms(request: HttpRequest) -> HttpResponse:
    q = " ".join(request.GET.get("q", "").split())[:50]
    form = SynonymForm(request.POST or None, initial={"kind": Synonym.Kind.COLLOQUIAL})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            synonym = synonym_create(
                actor=request.user,
                term=data["term"],
                expansions=split_expansions(data["expansions"]),
                kind=data["kind"],
                note=data["note"],
            )
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request, _("已添加“%(term)s”，搜索立即生效。") % {"term": synonym.term}
            )
            return redirect("workbench:search_synonyms")
    page = Paginator(synonym_list(q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workbench/search/synonyms.html",
        {"form": form, "page": page, "q": q},
        status=400 if request.method == "POST" else 200,
    )


@search_admin_required
@require_http_methods(["GET", "POST"])
def synonym_edit(request: HttpRequest, public_id: Any) -> HttpResponse:
    synonym = synonym_get(public_id)
    initial = {
        "term": synonym.term,
        "expansions": "、".join(synonym.expansions),
        "kind": synonym.kind,
        "note": synonym.note,
        "is_active": synonym.is_active,
    }
    form = SynonymEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            synonym_update(
                actor=request.user,
                public_id=synonym.public_id,
                expansions=split_expansions(data["expansions"]),
                kind=data["kind"],
                note=data["note"],
                is_active=data["is_active"],
            )
        except DomainError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已保存“%(term)s”。") % {"term": synonym.term})
            return redirect("workbench:search_synonyms")
    return render(
        request,
        "workbench/search/synonym_edit.html",
        {"form": form, "synonym": synonym},
        status=400 if request.method == "POST" else 200,
    )


@search_admin_required
@require_POST
def synonym_remove(request: HttpRequest, public_id: Any) -> HttpResponse:
    synonym = synonym_get(public_id)
    synonym_delete(actor=request.user, public_id=synonym.public_id)
    messages.success(request, _("已删除“%(term)s”。") % {"term": synonym.term})
    return redirect("workbench:search_synonyms")


@search_admin_required
def report(request: HttpRequest) -> HttpResponse:
    try:
        days = int(request.GET.get("days", "30"))
    except ValueError:
        days = 30
    days = days if days in REPORT_DAYS else 30
    rows = query_report(days=days)
    add_url = reverse("workbench:search_synonyms")
    return render(
        request,
        "workbench/search/report.html",
        {"days": days, "choices": REPORT_DAYS, "rows": rows, "add_url": add_url},
    )
