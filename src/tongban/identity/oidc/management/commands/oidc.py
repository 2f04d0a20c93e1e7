"""oidc client create|list, oidc keys generate, oidc deliver-logouts."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import DomainError
from tongban.identity.oidc import keys, selectors, services
from tongban.identity.oidc.scopes import SCOPE_INFO


def issuer(base_url: str) -> str:
    return getattr(settings, "TONGBAN_OIDC_ISSUER", "") or f"{base_url.rstrip('/')}/o"


class Command(BaseCommand):
    help = (
        "单点登录（OIDC）管理：client create 注册接入平台并打印 JSON；client list 列出接入平台；"
        "keys generate 生成签名私钥（PEM）；deliver-logouts 重发到期的后台注销通知。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="area", required=True)

        client = sub.add_parser("client", help="接入平台")
        client_sub = client.add_subparsers(dest="action", required=True)
        create = client_sub.add_parser("create", help="注册一个接入平台，打印 JSON")
        create.add_argument("--name", required=True, help="平台名称")
        create.add_argument(
            "--redirect-uri",
            action="append",
            required=True,
            dest="redirect_uris",
            help="回调地址（可重复）",
        )
        create.add_argument("--public", action="store_true", help="公开客户端（无密钥，须 PKCE）")
        create.add_argument(
            "--scopes",
            nargs="+",
            default=None,
            help=f"允许申请的范围（默认 openid profile；可选：{' '.join(SCOPE_INFO)}）",
        )
        create.add_argument("--algorithm", choices=keys.ALGORITHMS, default=keys.RS256)
        create.add_argument("--backchannel-logout-uri", default="", help="后台注销地址")
        create.add_argument(
            "--post-logout-redirect-uri",
            action="append",
            default=[],
            dest="post_logout_redirect_uris",
            help="退出后允许跳回的地址（可重复）",
        )
        create.add_argument("--organisation", default="", help="主管单位")
        create.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="未设置 TONGBAN_OIDC_ISSUER 时用于拼出 issuer 的站点地址",
        )
        listing = client_sub.add_parser("list", help="列出接入平台（JSON）")
        listing.add_argument("--base-url", default="http://127.0.0.1:8000")

        key = sub.add_parser("keys", help="签名密钥")
        key_sub = key.add_subparsers(dest="action", required=True)
        generate = key_sub.add_parser("generate", help="生成一个新的私钥并打印 PEM")
        generate.add_argument("--kind", choices=["rsa", "ec"], required=True)
        generate.add_argument(
            "--env",
            action="store_true",
            help="打印为一行环境变量（换行写作 \\n），可直接写入环境文件",
        )

        sub.add_parser("deliver-logouts", help="发送所有到期的后台注销通知（可由定时任务调用）")

    def handle(self, *args: Any, **options: Any) -> None:
        area = options["area"]
        if area == "client" and options["action"] == "create":
            self._client_create(options)
        elif area == "client" and options["action"] == "list":
            self._client_list(options)
        elif area == "keys":
            self._keys_generate(options)
        elif area == "deliver-logouts":
            count = services.deliver_due_logouts()
            self.stdout.write(json.dumps({"attempted": count}))

    def _client_create(self, options: dict[str, Any]) -> None:
        try:
            client, secret = services.client_create(
                actor="cli",
                name=options["name"],
                redirect_uris=options["redirect_uris"],
                public=options["public"],
                scopes=options["scopes"],
                algorithm=options["algorithm"],
                backchannel_logout_uri=options["backchannel_logout_uri"],
                post_logout_redirect_uris=options["post_logout_redirect_uris"],
                organisation=options["organisation"],
            )
        except DomainError as exc:
            details = "；".join(f"{p.field}: {p.message}" for p in exc.fields)
            raise CommandError(f"{exc.message}{'（' + details + '）' if details else ''}") from exc
        iss = issuer(options["base_url"])
        data: dict[str, Any] = {
            "issuer": iss,
            "discovery": f"{iss}/.well-known/openid-configuration",
            "client_id": client.client_id,
        }
        if secret:
            data["client_secret"] = secret
        data.update(
            {
                "client_type": client.client_type,
                "name": client.name,
                "redirect_uris": client.redirect_uris.split(),
                "post_logout_redirect_uris": client.post_logout_redirect_uris.split(),
                "scopes": client.allowed_scopes,
                "id_token_signed_response_alg": client.algorithm,
                "backchannel_logout_uri": client.backchannel_logout_uri or None,
                "code_challenge_method": "S256",
                "pkce_required": selectors.client_requires_pkce(client_id=client.client_id),
            }
        )
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))

    def _client_list(self, options: dict[str, Any]) -> None:
        rows = [
            {
                "client_id": c.client_id,
                "name": c.name,
                "organisation": c.organisation,
                "client_type": c.client_type,
                "algorithm": c.algorithm,
                "scopes": c.allowed_scopes,
                "redirect_uris": c.redirect_uris.split(),
                "backchannel_logout_uri": c.backchannel_logout_uri or None,
                "is_active": c.is_active,
            }
            for c in selectors.client_list()
        ]
        out = {"issuer": issuer(options["base_url"]), "clients": rows}
        self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))

    def _keys_generate(self, options: dict[str, Any]) -> None:
        pem = keys.generate_private_key_pem(options["kind"])
        if options["env"]:
            name = (
                "TONGBAN_OIDC_RSA_PRIVATE_KEY"
                if options["kind"] == "rsa"
                else "TONGBAN_OIDC_EC_PRIVATE_KEY"
            )
            self.stdout.write(f"{name}='{pem.strip().replace(chr(10), chr(92) + 'n')}'")
        else:
            self.stdout.write(pem.rstrip("\n"))
