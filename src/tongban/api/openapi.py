from django.http import HttpRequest, JsonResponse

from tongban.api.api import api


def openapi_json(request: HttpRequest) -> JsonResponse:
    """The OpenAPI document also at /api/openapi.json, where integrators look for it first."""
    return JsonResponse(
        api.get_openapi_schema(path_prefix="/api/v1"), json_dumps_params={"ensure_ascii": False}
    )
