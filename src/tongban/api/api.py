"""The JSON API for our own front ends, apps and integrators: /api/v1/ (STYLE.md rule 13)."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from tongban.api.auth import BearerTokenAuth, SessionAuthOptional
from tongban.api.errors import install_error_handlers

api = NinjaAPI(
    title="Tongban 通办 API",
    version="1",
    description=str(
        _(
            "一网通办平台开放接口。错误统一返回 application/problem+json：code、message（中文）、fields。"
        )
    ),
    urls_namespace="api-v1",
    auth=[BearerTokenAuth(), SessionAuthOptional()],
)
install_error_handlers(api)


def _register_routers() -> None:
    from tongban.api.routers import (
        cases,
        catalog,
        feedback,
        licenses,
        meta,
        regions,
        search,
        sharing,
        workdays,
    )

    api.add_router("/", meta.router)
    api.add_router("/", regions.router)
    api.add_router("/workdays", workdays.router)
    api.add_router("/catalog", catalog.router)
    api.add_router("/cases", cases.router)
    api.add_router("/licenses", licenses.router)
    api.add_router("/feedback", feedback.router)
    api.add_router("/sharing", sharing.router)
    api.add_router("/search", search.router)


_register_routers()
