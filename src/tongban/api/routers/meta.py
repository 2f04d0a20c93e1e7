from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["meta"])


class MeOut(Schema):
    username: str
    display_name: str
    kind: str


@router.get("/me", response=MeOut, operation_id="me_get", summary="当前用户")
def me_get(request: HttpRequest) -> MeOut:
    user = request.user
    return MeOut(username=user.username, display_name=user.display_name, kind=user.kind)


class PingOut(Schema):
    status: str


@router.get(
    "/ping", response=PingOut, auth=None, operation_id="ping", summary="连通性检查（不访问数据库）"
)
def ping(request: HttpRequest) -> PingOut:
    """The bare JSON view every benchmark compares against (bench/http_baseline.py)."""
    return PingOut(status="ok")
