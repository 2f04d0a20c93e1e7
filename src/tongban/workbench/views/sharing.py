"""Data sharing (数据共享交换) in the workbench, for data officers and platform administrators.

- resource catalog (every published resource, metadata only) and a resource's page
- requests: make one (consumer side), answer one (provider side: approve with fewer fields,
  refuse with a reason, ask for more), supplement one
- apps and credentials: grants of each consumer system, client secrets (shown once, rotation
  with a grace period), quotas and rate limits
- usage statistics of the provider's resources (calls, records, bytes)
- bulk exchange jobs with their progress (the page polls while a job runs)

Thin: forms check shape, sharing.services decide (scope checks, audit), selectors read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongban.core.context_processors import is_staff_user
from tongban.core.errors import DomainError, NotFound, PermissionDenied
from tongban.core.models import Department
from tongban.core.scopes import staff_scope
from tongban.sharing import bulk, permissions, selectors, services
from tongban.sharing.models import (
    AppSecret,
    BaseRegistry,
    BulkFormat,
    BulkSchedule,
    BulkStatus,
    DataType,
    KeyKind,
    OpenType,
    RequestStatus,
    ResourceCategory,
    ResourceFormat,
    ResourceStatus,
    Sensitivity,
    ShareType,
    UpdateFrequency,
)

View = Callable[..., HttpResponse]
PAGE_SIZE = 30


def data_officer_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_user(request.user) or not permissions.may_use_sharing(request.user):
            raise HttpForbidden(
                _(
                    "数据共享交换仅供数据专员和平台管理员使用。如需申请或审核共享数据，"
                    "请联系本单位管理员为您分配“数据专员”岗位。"
                )
            )
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from exc

    return wrapper


def _error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)
    for problem in exc.fields[:10]:
        messages.error(request, problem.message)


def my_departments(user: Any) -> list[Department]:
    scope = staff_scope(user, roles=permissions.SHARING_ROLES)
    qs = Department.objects.filter(is_active=True).select_related("region")
    if scope.unrestricted:
        return list(qs[:500])
    return [d for d in qs if scope.covers(region_code=d.region_id, department_id=d.pk)][:500]


# --- resource catalog ---------------------------------------------------------------------------


@require_GET
@data_officer_required
def resource_list(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:100]
    share_type = request.GET.get("share_type", "")
    base_registry = request.GET.get("base_registry", "")
    qs = selectors.resource_catalog(
        q=q,
        share_type=share_type if share_type in ShareType.values else "",
        base_registry=base_registry if base_registry in BaseRegistry.values else "",
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workbench/sharing/resource_list.html",
        {
            "page": page,
            "q": q,
            "share_type": share_type,
            "base_registry": base_registry,
            "share_types": ShareType.choices,
            "registries": BaseRegistry.choices,
            "pending": selectors.pending_count(request.user),
        },
    )


class ResourceAttributesForm(forms.Form):
    share_type = forms.ChoiceField(label=gettext_lazy("共享类型"), choices=ShareType.choices)
    share_condition = forms.CharField(
        label=gettext_lazy("共享条件"), max_length=500, required=False
    )
    open_type = forms.ChoiceField(label=gettext_lazy("开放属性"), choices=OpenType.choices)
    update_frequency = forms.ChoiceField(
        label=gettext_lazy("更新周期"), choices=UpdateFrequency.choices
    )
    legal_basis = forms.CharField(label=gettext_lazy("法律依据"), max_length=500)
    status = forms.ChoiceField(label=gettext_lazy("状态"), choices=ResourceStatus.choices)


@never_cache
@require_http_methods(["GET", "POST"])
@data_officer_required
def resource_detail(request: HttpRequest, code: str) -> HttpResponse:
    resource = selectors.resource_get(code)
    if resource is None:
        raise Http404(_("没有找到该信息资源。"))
    own = permissions.covers_department(request.user, resource.provider)
    attributes = None
    if own:
        attributes = ResourceAttributesForm(
            request.POST or None,
            initial={name: getattr(resource, name) for name in ResourceAttributesForm.base_fields},
        )
        if request.method == "POST" and attributes.is_valid():
            try:
                services.resource_update(
                    actor=request.user, resource=resource, **attributes.cleaned_data
                )
            except DomainError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("资源属性已保存。"))
                return redirect("workbench:sharing_resource", resource.code)
    elif request.method == "POST":
        raise HttpForbidden(_("只有提供部门的数据专员可以修改资源属性。"))
    return render(
        request,
        "workbench/sharing/resource_detail.html",
        {
            "resource": resource,
            "fields": list(resource.fields.all()),
            "own": own,
            "record_count": resource.records.count() if own else None,
            "grants": list(resource.grants.select_related("app__department")) if own else [],
            "attributes": attributes,
        },
    )


# --- registering and editing a resource (provider's data officer) ------------------------------


def _required(message: str) -> dict[str, str]:
    return {"required": message, "invalid_choice": _("请从列表中选择。")}


class ResourceEditForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("信息资源名称"),
        max_length=200,
        error_messages={"required": gettext_lazy("请填写信息资源名称。")},
    )
    summary = forms.CharField(
        label=gettext_lazy("信息资源摘要"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    share_type = forms.ChoiceField(
        label=gettext_lazy("共享类型"),
        choices=ShareType.choices,
        error_messages=_required(gettext_lazy("请选择共享类型。")),
    )
    share_condition = forms.CharField(
        label=gettext_lazy("共享条件"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("有条件共享时写明条件，不得设置法律法规以外的条件。"),
    )
    open_type = forms.ChoiceField(
        label=gettext_lazy("开放属性"),
        choices=OpenType.choices,
        initial=OpenType.CLOSED,
        error_messages=_required(gettext_lazy("请选择开放属性。")),
    )
    update_frequency = forms.ChoiceField(
        label=gettext_lazy("更新周期"),
        choices=UpdateFrequency.choices,
        initial=UpdateFrequency.DAILY,
        error_messages=_required(gettext_lazy("请选择更新周期。")),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("信息资源格式"),
        choices=ResourceFormat.choices,
        initial=ResourceFormat.API,
        error_messages=_required(gettext_lazy("请选择信息资源格式。")),
    )
    legal_basis = forms.CharField(
        label=gettext_lazy("法律依据"),
        max_length=500,
        error_messages={"required": gettext_lazy("请填写法律依据，例如法律法规的名称和条款。")},
    )
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        choices=ResourceStatus.choices,
        initial=ResourceStatus.PUBLISHED,
        error_messages=_required(gettext_lazy("请选择状态。")),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("share_type") == ShareType.CONDITIONAL and not data.get("share_condition"):
            self.add_error("share_condition", _("有条件共享的资源请写明共享条件。"))
        return data


class ResourceNewForm(ResourceEditForm):
    provider = forms.TypedChoiceField(
        label=gettext_lazy("信息资源提供方"),
        coerce=int,
        error_messages=_required(gettext_lazy("请选择提供部门。")),
    )
    code = forms.RegexField(
        label=gettext_lazy("信息资源代码"),
        max_length=64,
        regex=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        help_text=gettext_lazy("例如 DR-510104-0001，只能用字母、数字、点、横线和下划线。"),
        error_messages={
            "required": gettext_lazy("请填写信息资源代码。"),
            "invalid": gettext_lazy("信息资源代码只能用字母、数字、点、横线和下划线。"),
        },
    )
    category = forms.ChoiceField(
        label=gettext_lazy("资源分类"),
        choices=ResourceCategory.choices,
        initial=ResourceCategory.DEPARTMENT,
        error_messages=_required(gettext_lazy("请选择资源分类。")),
    )
    key_kind = forms.ChoiceField(
        label=gettext_lazy("查询标识"),
        choices=KeyKind.choices,
        initial=KeyKind.NONE,
        error_messages=_required(gettext_lazy("请选择查询标识。")),
    )
    key_field = forms.CharField(
        label=gettext_lazy("标识信息项"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("按标识查询的资源，填写存放该标识的信息项标识，例如 id_number。"),
    )

    field_order = ["provider", "code", "name", "summary", "category"]

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(d.pk, d.name) for d in departments]

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if code.lower() == "new":  # the address of this very page
            raise forms.ValidationError(_("“new”不能用作信息资源代码，请换一个代码。"))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("key_kind") and data["key_kind"] != KeyKind.NONE and not data.get("key_field"):
            self.add_error("key_field", _("按标识查询的资源请填写标识信息项。"))
        if data.get("key_kind") == KeyKind.NONE:
            data["key_field"] = ""
        return data


class FieldRowForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("信息项标识"),
        max_length=64,
        error_messages={"required": gettext_lazy("请填写信息项标识，例如 id_number。")},
    )
    label = forms.CharField(
        label=gettext_lazy("信息项名称"),
        max_length=100,
        error_messages={"required": gettext_lazy("请填写信息项的中文名称。")},
    )
    data_type = forms.ChoiceField(
        label=gettext_lazy("数据类型"),
        choices=DataType.choices,
        initial=DataType.STRING,
        error_messages=_required(gettext_lazy("请选择数据类型。")),
    )
    sensitivity = forms.ChoiceField(
        label=gettext_lazy("敏感级别"),
        choices=Sensitivity.choices,
        initial=Sensitivity.INTERNAL,
        error_messages=_required(gettext_lazy("请选择敏感级别。")),
    )


FieldRowFormSet = forms.formset_factory(FieldRowForm, extra=3, can_delete=True, max_num=200)


def _field_specs(formset: Any) -> tuple[list[services.FieldSpec], list[Any]]:
    """The kept rows as FieldSpecs, with the form each came from (to show problems beside it)."""
    specs, rows = [], []
    for row in formset.forms:
        data = getattr(row, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        specs.append(
            services.FieldSpec(
                data["name"].strip(), data["label"].strip(), data["data_type"], data["sensitivity"]
            )
        )
        rows.append(row)
    return specs, rows


def _show_problems(form: forms.Form, formset: Any, rows: list[Any], exc: DomainError) -> None:
    """Put each problem the service found beside the input it is about."""
    unplaced = [exc.message]
    for problem in exc.fields:
        parts = problem.field.split(".")
        if parts[0] == "fields" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(rows) and parts[2] in rows[index].fields:
                rows[index].add_error(parts[2], problem.message)
                continue
        if problem.field in form.fields:
            form.add_error(problem.field, problem.message)
            continue
        unplaced.append(problem.message)
    for message in unplaced:
        form.add_error(None, message)


def _formset_has_rows(formset: Any) -> bool:
    return any(
        getattr(row, "cleaned_data", None) and not row.cleaned_data.get("DELETE")
        for row in formset.forms
    )


def _render_resource_form(
    request: HttpRequest, form: forms.Form, formset: Any, resource: Any = None
) -> HttpResponse:
    return render(
        request,
        "workbench/sharing/resource_form.html",
        {"form": form, "formset": formset, "resource": resource},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@data_officer_required
def resource_new(request: HttpRequest) -> HttpResponse:
    departments = my_departments(request.user)
    if not departments:
        raise HttpForbidden(_("您的岗位没有对应的部门，不能登记信息资源。"))
    form = ResourceNewForm(request.POST or None, departments=departments)
    formset = FieldRowFormSet(request.POST or None, prefix="fields")
    if request.method == "POST":
        form_ok, rows_ok = form.is_valid(), formset.is_valid()
        if rows_ok and not _formset_has_rows(formset):
            form.add_error(None, _("请至少登记一个信息项。"))
            rows_ok = False
        if form_ok and rows_ok:
            data = dict(form.cleaned_data)
            provider = next((d for d in departments if d.pk == data.pop("provider")), None)
            specs, rows = _field_specs(formset)
            try:
                if provider is None:
                    raise PermissionDenied()
                resource = services.resource_create(
                    actor=request.user,
                    provider=provider,
                    code=data.pop("code"),
                    name=data.pop("name"),
                    legal_basis=data.pop("legal_basis"),
                    fields=specs,
                    **data,
                )
            except DomainError as exc:
                _show_problems(form, formset, rows, exc)
            else:
                messages.success(request, _("信息资源已登记。"))
                return redirect("workbench:sharing_resource_edit", resource.code)
    return _render_resource_form(request, form, formset)


@never_cache
@require_http_methods(["GET", "POST"])
@data_officer_required
def resource_edit(request: HttpRequest, code: str) -> HttpResponse:
    resource = permissions.access_resource_for_provider(request.user, code)
    initial = {name: getattr(resource, name) for name in ResourceEditForm.base_fields}
    form = ResourceEditForm(request.POST or None, initial=initial)
    formset = FieldRowFormSet(
        request.POST or None,
        prefix="fields",
        initial=[
            {
                "name": f.name,
                "label": f.label,
                "data_type": f.data_type,
                "sensitivity": f.sensitivity,
            }
            for f in resource.fields.all()
        ],
    )
    if request.method == "POST":
        form_ok, rows_ok = form.is_valid(), formset.is_valid()
        if rows_ok and not _formset_has_rows(formset):
            form.add_error(None, _("请至少保留一个信息项。"))
            rows_ok = False
        if form_ok and rows_ok:
            specs, rows = _field_specs(formset)
            try:
                services.resource_revise(
                    actor=request.user, resource=resource, fields=specs, **form.cleaned_data
                )
            except DomainError as exc:
                resource.refresh_from_db()
                _show_problems(form, formset, rows, exc)
            else:
                messages.success(request, _("信息资源已保存。"))
                return redirect("workbench:sharing_resource_edit", resource.code)
    return _render_resource_form(request, form, formset, resource)


# --- requests -----------------------------------------------------------------------------------


class RequestForm(forms.Form):
    consumer = forms.TypedChoiceField(label=gettext_lazy("申请部门"), coerce=int)
    system_name = forms.CharField(label=gettext_lazy("使用系统"), max_length=200)
    purpose = forms.CharField(
        label=gettext_lazy("用途（应用场景）"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    legal_basis = forms.CharField(label=gettext_lazy("申请依据"), max_length=500)
    fields = forms.MultipleChoiceField(
        label=gettext_lazy("申请的信息项"), widget=forms.CheckboxSelectMultiple
    )
    valid_from = forms.DateField(
        label=gettext_lazy("使用期限起"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=gettext_lazy("使用期限止"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, *args: Any, departments: list[Department], field_choices: list, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.fields["consumer"].choices = [(d.pk, d.name) for d in departments]
        self.fields["fields"].choices = field_choices


@never_cache
@require_http_methods(["GET", "POST"])
@data_officer_required
def request_new(request: HttpRequest, code: str) -> HttpResponse:
    resource = selectors.resource_get(code)
    if resource is None:
        raise Http404(_("没有找到该信息资源。"))
    departments = my_departments(request.user)
    choices = [
        (f.name, f"{f.label}（{f.get_sensitivity_display()}）") for f in resource.fields.all()
    ]
    today = timezone.localdate()
    form = RequestForm(
        request.POST or None,
        departments=departments,
        field_choices=choices,
        initial={"valid_from": today, "valid_until": today + timedelta(days=365)},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        consumer = next((x for x in departments if x.pk == d["consumer"]), None)
        try:
            if consumer is None:
                raise PermissionDenied()
            req = services.request_submit(
                actor=request.user,
                resource=resource,
                consumer=consumer,
                system_name=d["system_name"],
                purpose=d["purpose"],
                legal_basis=d["legal_basis"],
                fields=d["fields"],
                valid_from=d["valid_from"],
                valid_until=d["valid_until"],
            )
        except DomainError as exc:
            _error(request, exc)
        else:
            if req.status == RequestStatus.APPROVED:
                messages.success(
                    request, _("无条件共享资源已自动授权，请到“应用与凭证”生成客户端密钥。")
                )
            else:
                messages.success(request, _("申请已提交，提供部门将在 10 个工作日内答复。"))
            return redirect("workbench:sharing_request", req.public_id)
    return render(
        request, "workbench/sharing/request_new.html", {"resource": resource, "form": form}
    )


@require_GET
@data_officer_required
def request_list(request: HttpRequest) -> HttpResponse:
    side = "made" if request.GET.get("side") == "made" else "provider"
    status = request.GET.get("status", "")
    status = status if status in RequestStatus.values else ""
    qs = (
        selectors.requests_made(request.user, status=status)
        if side == "made"
        else selectors.requests_to_answer(request.user, status=status)
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "workbench/sharing/request_list.html",
        {"page": page, "side": side, "status": status, "statuses": RequestStatus.choices},
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("答复"),
        choices=[
            ("approve", gettext_lazy("同意")),
            ("refuse", gettext_lazy("拒绝（须写明理由和依据）")),
            ("ask", gettext_lazy("要求补充")),
        ],
        widget=forms.RadioSelect,
    )
    fields = forms.MultipleChoiceField(
        label=gettext_lazy("同意的信息项（可少于申请）"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reply = forms.CharField(
        label=gettext_lazy("答复意见"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SupplementForm(forms.Form):
    supplement = forms.CharField(
        label=gettext_lazy("补充说明"), widget=forms.Textarea(attrs={"rows": 3})
    )


@never_cache
@require_http_methods(["GET", "POST"])
@data_officer_required
def request_detail(request: HttpRequest, request_id: str) -> HttpResponse:
    req = permissions.access_request_by_id(request.user, request_id)
    provider_side = permissions.covers_department(request.user, req.resource.provider)
    consumer_side = permissions.covers_department(request.user, req.consumer)
    labels = dict(req.resource.fields.values_list("name", "label"))
    decision = DecisionForm(
        request.POST if "decision" in request.POST else None, initial={"fields": req.fields}
    )
    decision.fields["fields"].choices = [(f, labels.get(f, f)) for f in req.fields]
    supplement = SupplementForm(request.POST if "supplement" in request.POST else None)
    if request.method == "POST":
        try:
            if "decision" in request.POST and provider_side and decision.is_valid():
                d = decision.cleaned_data
                services.request_decide(
                    actor=request.user,
                    request=req,
                    decision=d["decision"],
                    fields=d["fields"] or None,
                    reply=d["reply"],
                )
                messages.success(request, _("已答复。"))
                return redirect("workbench:sharing_request", req.public_id)
            if "supplement" in request.POST and consumer_side and supplement.is_valid():
                services.request_supplement(
                    actor=request.user,
                    request=req,
                    supplement=supplement.cleaned_data["supplement"],
                )
                messages.success(request, _("补充说明已提交，等待提供部门答复。"))
                return redirect("workbench:sharing_request", req.public_id)
        except DomainError as exc:
            _error(request, exc)
    return render(
        request,
        "workbench/sharing/request_detail.html",
        {
            "req": req,
            "field_labels": [labels.get(f, f) for f in req.fields],
            "approved_labels": [labels.get(f, f) for f in req.approved_fields],
            "provider_side": provider_side,
            "consumer_side": consumer_side,
            "can_decide": provider_side
            and req.status in (RequestStatus.PENDING, RequestStatus.NEEDS_INFO),
            "can_supplement": consumer_side and req.status == RequestStatus.NEEDS_INFO,
            "decision_form": decision,
            "supplement_form": supplement,
        },
    )


# --- apps and credentials -----------------------------------------------------------------------


@require_GET
@data_officer_required
def app_list(request: HttpRequest) -> HttpResponse:
    apps = selectors.apps_of(request.user)
    return render(request, "workbench/sharing/app_list.html", {"apps": apps})


class LimitsForm(forms.Form):
    daily_quota = forms.IntegerField(label=gettext_lazy("每日调用上限"), min_value=1)
    rate_per_minute = forms.IntegerField(label=gettext_lazy("每分钟调用上限"), min_value=1)
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False)


@never_cache
@require_http_methods(["GET", "POST"])
@data_officer_required
def app_detail(request: HttpRequest, app_id: str) -> HttpResponse:
    app = permissions.access_app_by_id(request.user, app_id)
    new_secret = None
    limits = LimitsForm(
        request.POST if request.POST.get("action") == "limits" else None,
        initial={
            "daily_quota": app.daily_quota,
            "rate_per_minute": app.rate_per_minute,
            "is_active": app.is_active,
        },
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "issue":
                _secret, new_secret = services.app_secret_issue(actor=request.user, app=app)
            elif action == "revoke":
                secret = AppSecret.objects.filter(app=app, pk=request.POST.get("secret")).first()
                if secret is None:
                    raise NotFound()
                services.app_secret_revoke(actor=request.user, secret=secret)
                messages.success(request, _("密钥已吊销，用它换取的令牌已全部失效。"))
                return redirect("workbench:sharing_app", app.public_id)
            elif action == "limits" and limits.is_valid():
                d = limits.cleaned_data
                services.app_set_limits(
                    actor=request.user,
                    app=app,
                    daily_quota=d["daily_quota"],
                    rate_per_minute=d["rate_per_minute"],
                    is_active=d["is_active"],
                )
                messages.success(request, _("调用限制已保存。"))
                return redirect("workbench:sharing_app", app.public_id)
        except DomainError as exc:
            _error(request, exc)
    now = timezone.now()
    secrets_rows = [
        {
            "secret": s,
            "live": s.revoked_at is None and (s.expires_at is None or s.expires_at > now),
        }
        for s in app.secrets.all()
    ]
    return render(
        request,
        "workbench/sharing/app_detail.html",
        {
            "app": app,
            "grants": selectors.grants_of_app(app),
            "secrets": secrets_rows,
            "new_secret": new_secret,
            "limits_form": limits,
            "today": timezone.localdate(),
        },
    )


# --- usage --------------------------------------------------------------------------------------


@require_GET
@data_officer_required
def usage(request: HttpRequest) -> HttpResponse:
    days = 30
    with contextlib.suppress(ValueError):
        days = max(1, min(366, int(request.GET.get("days", "30"))))
    rows = selectors.usage_for_provider(request.user, since=timezone.now() - timedelta(days=days))
    totals = {
        "calls": sum(r.calls for r in rows),
        "records": sum(r.records for r in rows),
        "bytes": sum(r.bytes for r in rows),
        "downloads": sum(r.downloads for r in rows),
    }
    return render(
        request, "workbench/sharing/usage.html", {"rows": rows, "totals": totals, "days": days}
    )


# --- bulk exchange ------------------------------------------------------------------------------


class BulkForm(forms.Form):
    resource = forms.CharField(label=gettext_lazy("信息资源代码"), max_length=64)
    consumer = forms.TypedChoiceField(label=gettext_lazy("接收部门"), coerce=int)
    format = forms.ChoiceField(label=gettext_lazy("格式"), choices=BulkFormat.choices)
    schedule = forms.ChoiceField(label=gettext_lazy("周期"), choices=BulkSchedule.choices)


@never_cache
@require_http_methods(["GET", "POST"])
@data_officer_required
def bulk_list(request: HttpRequest) -> HttpResponse:
    departments = my_departments(request.user)
    form = BulkForm(request.POST or None)
    form.fields["consumer"].choices = [(d.pk, d.name) for d in departments]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        resource = selectors.resource_get(d["resource"].strip())
        consumer = next((x for x in departments if x.pk == d["consumer"]), None)
        try:
            if resource is None or consumer is None:
                raise NotFound(_("没有找到该信息资源，请核对代码。"))
            job = bulk.bulk_job_create(
                actor=request.user,
                resource=resource,
                consumer=consumer,
                format=d["format"],
                schedule=d["schedule"],
            )
        except DomainError as exc:
            _error(request, exc)
        else:
            bulk.bulk_job_start(job)
            messages.success(request, _("批量交换任务已排队，可在本页查看进度。"))
            return redirect("workbench:sharing_bulk_job", job.public_id)
    jobs = list(selectors.bulk_jobs_of(request.user)[:100])
    return render(request, "workbench/sharing/bulk_list.html", {"jobs": jobs, "form": form})


@never_cache
@require_GET
@data_officer_required
def bulk_job(request: HttpRequest, job_id: str) -> HttpResponse:
    job = permissions.access_bulk_job_by_id(request.user, job_id)
    template = (
        "workbench/sharing/_bulk_progress.html"
        if request.headers.get("HX-Request")
        else "workbench/sharing/bulk_job.html"
    )
    return render(
        request,
        template,
        {"job": job, "running": job.status in (BulkStatus.QUEUED, BulkStatus.RUNNING)},
    )


@require_POST
@data_officer_required
def bulk_job_resume(request: HttpRequest, job_id: str) -> HttpResponse:
    """Continue an interrupted job from its checkpoint, or start a failed one over."""
    job = permissions.access_bulk_job_by_id(request.user, job_id)
    try:
        if job.status == BulkStatus.FAILED:
            bulk.bulk_job_rerun(actor=request.user, job=job)
        bulk.bulk_job_start(job)
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("任务已重新排队，将从上次的断点继续。"))
    return redirect("workbench:sharing_bulk_job", job.public_id)
