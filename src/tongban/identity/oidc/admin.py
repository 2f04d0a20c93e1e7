"""Admin pages of the OpenID provider: the client registry (platform administrators register the
platforms that sign users in through Tongban), and read-only views of consents, sign-in sessions
and back-channel logout deliveries. Every change is audited.

ClientAdmin is registered by django-oauth-toolkit itself (OAUTH2_PROVIDER["APPLICATION_ADMIN_CLASS"]),
so this module must not register Client again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from oauth2_provider.generators import generate_client_secret

from tongban.audit.admin import AuditedModelAdmin
from tongban.identity.oidc import services
from tongban.identity.oidc.models import BackchannelDelivery, Client, Consent, RpSession
from tongban.identity.oidc.scopes import scope_choices


class ClientForm(forms.ModelForm):
    allowed_scopes = forms.MultipleChoiceField(
        label=_("允许申请的权限范围"),
        choices=scope_choices,
        widget=forms.CheckboxSelectMultiple,
        initial=["openid", "profile"],
    )

    class Meta:
        model = Client
        fields = [
            "name",
            "organisation",
            "client_type",
            "redirect_uris",
            "post_logout_redirect_uris",
            "allowed_scopes",
            "algorithm",
            "backchannel_logout_uri",
            "skip_authorization",
            "is_active",
        ]
        labels = {
            "client_type": _("客户端类型"),
            "redirect_uris": _("回调地址"),
            "post_logout_redirect_uris": _("退出后跳转地址"),
            "skip_authorization": _("免授权确认（仅限本平台自建系统）"),
        }
        help_texts = {
            "client_type": _(
                "能保管密钥的服务端应用选“机密”；浏览器或手机应用选“公开”（须使用 PKCE）。"
            ),
            "redirect_uris": _("每行或以空格分隔一个地址，必须与登录请求中的地址完全一致。"),
            "post_logout_redirect_uris": _("平台发起退出登录后允许跳回的地址，以空格分隔。"),
        }


class ClientAdmin(AuditedModelAdmin):
    form = ClientForm
    list_display = ("name", "organisation", "client_id", "client_type", "algorithm", "is_active")
    list_filter = ("client_type", "algorithm", "is_active")
    search_fields = ("name", "organisation", "=client_id")
    readonly_fields = ("client_id", "created", "updated")
    actions = ("reset_secret",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(ClientForm.Meta.fields)
        return [*fields, "client_id", "created", "updated"] if obj else fields

    def save_model(self, request: HttpRequest, obj: Client, form: Any, change: bool) -> None:
        raw = None
        if not change:
            obj.authorization_grant_type = Client.GRANT_AUTHORIZATION_CODE
            if obj.client_type == Client.CLIENT_CONFIDENTIAL:
                raw = generate_client_secret()
                obj.client_secret = raw
        super().save_model(request, obj, form, change)
        if raw:
            messages.warning(
                request,
                _("客户端密钥（只显示这一次，请立即交给对接平台妥善保管）：%(secret)s")
                % {"secret": raw},
            )

    @admin.action(description=_("重置所选平台的客户端密钥"))
    def reset_secret(self, request: HttpRequest, queryset: QuerySet[Client]) -> None:
        for client in queryset:
            if client.client_type != Client.CLIENT_CONFIDENTIAL:
                messages.info(
                    request, _("%(name)s 是公开客户端，没有密钥。") % {"name": client.name}
                )
                continue
            raw = services.client_secret_reset(actor=request.user, client=client)
            messages.warning(
                request,
                _("%(name)s 的新密钥（只显示这一次）：%(secret)s")
                % {"name": client.name, "secret": raw},
            )


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Consent)
class ConsentAdmin(_ReadOnlyAdmin):
    """Consents are withdrawn by the person in the user centre (services.consent_revoke)."""

    list_display = ("client", "user", "scopes", "legal_person", "updated_at")
    list_filter = ("client",)
    list_select_related = ("client", "user", "legal_person")
    search_fields = ("=user__username", "client__name")


@admin.register(RpSession)
class RpSessionAdmin(_ReadOnlyAdmin):
    list_display = ("client", "user", "sid", "amr", "created_at", "ended_at")
    list_filter = ("client", "ended_at")
    list_select_related = ("client", "user")
    search_fields = ("=user__username", "=sid")
    exclude = ("session_digest",)


@admin.register(BackchannelDelivery)
class BackchannelDeliveryAdmin(_ReadOnlyAdmin):
    list_display = (
        "client",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    )
    list_filter = ("status", "client")
    list_select_related = ("client",)
    search_fields = ("=jti", "=subject")
    actions = ("retry_now",)

    @admin.action(description=_("立即重新发送所选通知"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[BackchannelDelivery]) -> None:
        count = 0
        for delivery in queryset.exclude(status="delivered").select_related("client"):
            services.backchannel_retry_now(actor=request.user, delivery=delivery)
            count += 1
        messages.info(request, _("已安排重新发送 %(count)d 条通知。") % {"count": count})
