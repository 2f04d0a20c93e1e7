"""Every write to the catalog. Each function is one transaction with one audit entry."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.audit.services import audit_record
from tongban.catalog.coding import LEVEL_FOR_REGION, build_implementation_code, validate_basic_code
from tongban.catalog.diff import guide_diff
from tongban.catalog.guide_schema import GuideContent, guide_to_json, parse_guide
from tongban.catalog.models import (
    BasicItem,
    Bundle,
    BundleMember,
    GuideStatus,
    GuideVersion,
    ImplementationItem,
    ItemFacet,
    ItemStatus,
)
from tongban.catalog.permissions import (
    access_item_for_edit,
    check_basic_catalog_admin,
    check_can_edit_body,
)
from tongban.catalog.signals import items_changed
from tongban.catalog.workflow import can_transition
from tongban.core.codes import ExerciseLevel, ItemType, ServiceObject
from tongban.core.crypto import sm3_hex
from tongban.core.errors import Conflict, FieldProblem, NotFound, PermissionDenied, ValidationFailed
from tongban.core.models import ImplementingBody


def content_digest(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return sm3_hex(canonical.encode())


# --- Basic catalog ------------------------------------------------------------------------------


@transaction.atomic
def basic_item_create(
    *,
    actor: Any,
    code: str,
    name: str,
    item_type: str,
    legal_basis: str = "",
    competent_department: str = "",
    service_objects: list[str],
    exercise_levels: list[str],
    parent_code: str = "",
    source: str = "",
) -> BasicItem:
    check_basic_catalog_admin(actor)
    item = _basic_item_build(
        code=code,
        name=name,
        item_type=item_type,
        legal_basis=legal_basis,
        competent_department=competent_department,
        service_objects=service_objects,
        exercise_levels=exercise_levels,
        parent_code=parent_code,
        source=source,
    )
    item.save()
    audit_record(
        actor=actor,
        action="catalog.basic_item.create",
        obj=item,
        summary={"code": item.code, "name": item.name, "item_type": item.item_type},
    )
    return item


def _basic_item_build(
    *,
    code: str,
    name: str,
    item_type: str,
    legal_basis: str,
    competent_department: str,
    service_objects: list[str],
    exercise_levels: list[str],
    parent_code: str,
    source: str,
) -> BasicItem:
    """Validated, unsaved BasicItem (shared with the importer, which saves in bulk)."""
    problems: list[FieldProblem] = []
    code = validate_basic_code(code)
    if BasicItem.objects.filter(code=code).exists():
        problems.append(FieldProblem("code", _("基本编码%(code)s已存在。") % {"code": code}))
    if not name.strip():
        problems.append(FieldProblem("name", _("事项名称不能为空。")))
    if item_type not in ItemType.values:
        problems.append(
            FieldProblem("item_type", _("事项类型代码“%(v)s”不在国家代码表中。") % {"v": item_type})
        )
    bad_objects = [o for o in service_objects if o not in ServiceObject.values]
    if not service_objects or bad_objects:
        problems.append(
            FieldProblem("service_objects", _("请选择服务对象（GB/T 39046 A.4 代码）。"))
        )
    bad_levels = [v for v in exercise_levels if v not in ExerciseLevel.values]
    if not exercise_levels or bad_levels:
        problems.append(
            FieldProblem("exercise_levels", _("请选择行使层级（GB/T 39046 A.2 代码）。"))
        )
    parent = None
    if parent_code:
        parent = BasicItem.objects.filter(code=parent_code).first()
        if parent is None:
            problems.append(
                FieldProblem("parent_code", _("主项编码%(code)s不存在。") % {"code": parent_code})
            )
        elif parent.parent_id is not None:
            problems.append(FieldProblem("parent_code", _("子项不能再挂在子项下。")))
    if problems:
        raise ValidationFailed(_("基本目录事项信息有误。"), fields=problems)
    return BasicItem(
        code=code,
        name=name.strip(),
        item_type=item_type,
        legal_basis=legal_basis,
        competent_department=competent_department,
        service_objects=sorted(set(service_objects)),
        exercise_levels=sorted(set(exercise_levels)),
        parent=parent,
        source=source,
    )


# --- Implementation items and their guides -------------------------------------------------------


def expected_exercise_level(body: ImplementingBody) -> str:
    return LEVEL_FOR_REGION[body.region.level]


def _check_item_content(
    *, content: GuideContent, basic_item: BasicItem, exercise_level: str
) -> None:
    problems = []
    if content.item_type != basic_item.item_type:
        problems.append(
            FieldProblem(
                "item_type",
                _("事项类型须与基本目录一致（%(t)s）。")
                % {"t": basic_item.get_item_type_display()},
            )
        )
    if content.exercise_level != exercise_level:
        problems.append(FieldProblem("exercise_level", _("行使层级须与实施主体的层级一致。")))
    if problems:
        raise ValidationFailed(_("办事指南与实施清单不一致。"), fields=problems)


@transaction.atomic
def implementation_item_create(
    *,
    actor: Any,
    basic_item: BasicItem,
    body: ImplementingBody,
    content: dict[str, Any],
    local_code: str = "",
    local_basic_code: str = "",
    change_note: str = "",
) -> ImplementationItem:
    """A new item with version 1 of its guide as a draft."""
    check_can_edit_body(actor, body)
    level = expected_exercise_level(body)
    if level not in basic_item.exercise_levels:
        raise ValidationFailed(
            _("基本目录未将该事项设定在%(level)s行使。") % {"level": ExerciseLevel(level).label},
            fields=[FieldProblem("body", _("实施主体层级与基本目录的行使层级不符。"))],
        )
    parsed = parse_guide(content)
    _check_item_content(content=parsed, basic_item=basic_item, exercise_level=level)
    code = build_implementation_code(
        credit_code=body.credit_code, exercise_level=level, basic_code=basic_item.code
    )
    if ImplementationItem.objects.filter(code=code).exists():
        raise Conflict(
            _("实施编码%(code)s已存在：该实施主体已有此事项。") % {"code": code},
            code="duplicate_item",
        )
    item = ImplementationItem.objects.create(
        code=code,
        basic_item=basic_item,
        body=body,
        department_id=body.department_id,
        region_id=body.region_id,
        exercise_level=level,
        local_code=local_code,
        local_basic_code=local_basic_code,
        name=parsed.name,
        item_type=basic_item.item_type,
        status=ItemStatus.DRAFT,
    )
    version = GuideVersion.objects.create(
        item=item,
        number=1,
        content=guide_to_json(parsed),
        created_by=_user_or_none(actor),
        change_note=change_note,
    )
    audit_record(
        actor=actor,
        action="catalog.item.create",
        obj=item,
        summary={"code": code, "name": parsed.name, "version": version.number},
    )
    return item


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def guide_draft_save(
    *,
    actor: Any,
    item_code: str,
    content: dict[str, Any],
    revision: int | None = None,
    change_note: str = "",
) -> GuideVersion:
    """Save the open draft, or start one (the next version number) when none is open.
    `revision` is the draft revision the editor loaded: a stale one is refused (no lost update)."""
    item = access_item_for_edit(actor, code=item_code)
    item = ImplementationItem.objects.select_for_update().get(pk=item.pk)
    parsed = parse_guide(content)
    _check_item_content(
        content=parsed, basic_item=item.basic_item, exercise_level=item.exercise_level
    )
    draft = item.versions.filter(status__in=[GuideStatus.DRAFT, GuideStatus.SUBMITTED]).first()
    if draft is not None:
        if draft.status == GuideStatus.SUBMITTED:
            raise Conflict(_("该版本已提交审核，审核退回后才能修改。"), code="guide_submitted")
        if revision is not None and revision != draft.revision:
            raise Conflict(
                _(
                    "草稿已被他人修改（您编辑的是第%(mine)s次修订，当前为第%(now)s次）。请刷新后再改。"
                )
                % {"mine": revision, "now": draft.revision},
                code="stale_revision",
            )
        before = draft.content
        draft.content = guide_to_json(parsed)
        draft.revision += 1
        draft.change_note = change_note or draft.change_note
        draft.save(update_fields=["content", "revision", "change_note", "updated_at"])
        action = "catalog.guide.update_draft"
    else:
        number = (item.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        before = item.published_version.content if item.published_version else {}
        draft = GuideVersion.objects.create(
            item=item,
            number=number,
            content=guide_to_json(parsed),
            created_by=_user_or_none(actor),
            change_note=change_note,
        )
        action = "catalog.guide.create_draft"
    changed = [d.path for d in guide_diff(before, draft.content)]
    audit_record(
        actor=actor,
        action=action,
        obj=draft,
        summary={
            "item": item.code,
            "version": draft.number,
            "revision": draft.revision,
            "changed": changed[:50],
        },
    )
    return draft


def _version_for_update(actor: Any, item_code: str, number: int) -> GuideVersion:
    item = access_item_for_edit(actor, code=item_code)
    ImplementationItem.objects.select_for_update().get(pk=item.pk)
    version = GuideVersion.objects.select_for_update().filter(item=item, number=number).first()
    if version is None:
        raise NotFound()
    return version


def _transition(version: GuideVersion, target: str) -> None:
    if not can_transition(version.status, target):
        raise Conflict(
            _("版本当前状态为“%(s)s”，不能执行此操作。") % {"s": version.get_status_display()},
            code="invalid_transition",
        )
    version.status = target


@transaction.atomic
def guide_submit(
    *, actor: Any, item_code: str, number: int, revision: int | None = None
) -> GuideVersion:
    version = _version_for_update(actor, item_code, number)
    if revision is not None and revision != version.revision:
        raise Conflict(_("草稿已被他人修改，请刷新后再提交。"), code="stale_revision")
    parse_guide(version.content)
    _transition(version, GuideStatus.SUBMITTED)
    version.content_digest = content_digest(version.content)
    version.submitted_by = _user_or_none(actor)
    version.submitted_at = timezone.now()
    version.save(
        update_fields=["status", "content_digest", "submitted_by", "submitted_at", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="catalog.guide.submit",
        obj=version,
        summary={"item": item_code, "version": number, "digest": version.content_digest},
    )
    return version


@transaction.atomic
def guide_review(
    *, actor: Any, item_code: str, number: int, approve: bool, comment: str = ""
) -> GuideVersion:
    """Publish a submitted version, or return it to draft with the reviewer's comment.
    Four eyes: the person who submitted a version cannot approve it."""
    version = _version_for_update(actor, item_code, number)
    if version.status != GuideStatus.SUBMITTED:
        raise Conflict(_("只有待审核的版本可以审核。"), code="invalid_transition")
    if (
        approve
        and version.submitted_by_id is not None
        and version.submitted_by_id == getattr(actor, "pk", None)
    ):
        raise PermissionDenied(_("提交人不能审核自己提交的版本，请由另一位事项管理员审核。"))
    if not approve and not comment.strip():
        raise ValidationFailed(
            _("退回时请填写审核意见，说明需要修改的内容。"),
            fields=[FieldProblem("comment", _("请填写审核意见。"))],
        )
    if version.content_digest != content_digest(version.content):
        raise Conflict(_("版本内容在提交后被改动，不能发布。"), code="content_tampered")
    now = timezone.now()
    version.reviewed_by = _user_or_none(actor)
    version.reviewed_at = now
    version.review_comment = comment
    if approve:
        publish_version(version=version, now=now)
        action = "catalog.guide.publish"
    else:
        _transition(version, GuideStatus.DRAFT)
        version.revision += 1
        version.save(
            update_fields=[
                "status",
                "revision",
                "reviewed_by",
                "reviewed_at",
                "review_comment",
                "updated_at",
            ]
        )
        action = "catalog.guide.return"
    audit_record(
        actor=actor,
        action=action,
        obj=version,
        summary={"item": item_code, "version": number, "comment": comment[:200]},
    )
    return version


def publish_version(*, version: GuideVersion, now: Any = None) -> None:
    """Make `version` the item's published guide; the previous one is superseded. Runs inside the
    caller's transaction with the item row locked (also used by the importer)."""
    now = now or timezone.now()
    item = version.item
    previous = item.versions.filter(status=GuideStatus.PUBLISHED).exclude(pk=version.pk).first()
    if previous is not None:
        previous.status = GuideStatus.SUPERSEDED
        previous.ended_at = now
        previous.save(update_fields=["status", "ended_at", "updated_at"])
    version.status = GuideStatus.PUBLISHED
    version.published_at = now
    if not version.content_digest:
        version.content_digest = content_digest(version.content)
    version.save()
    apply_published_content(item=item, version=version)
    items_changed.send(sender=ImplementationItem, item_codes=[item.code])


def apply_published_content(*, item: ImplementationItem, version: GuideVersion) -> None:
    """Refresh the item's denormalised columns and facets from its published guide."""
    content = parse_guide(version.content)
    item.published_version = version
    item.status = ItemStatus.ACTIVE
    for field, value in published_columns(content).items():
        setattr(item, field, value)
    item.save()
    item.facets.all().delete()
    ItemFacet.objects.bulk_create(facets_for(item, content))


# The item columns `published_columns` fills (the importer bulk-updates exactly these).
PUBLISHED_COLUMNS = ("name", "case_kind", "legal_days", "promised_days", "visits", "fully_online")


def published_columns(content: GuideContent) -> dict[str, Any]:
    """The item's denormalised columns for a published guide: one item here, many in the
    importer, so both write the same values."""
    return {
        "name": content.name,
        "case_kind": content.case_kind,
        "legal_days": content.legal_days,
        "promised_days": content.promised_days,
        "visits": content.visits,
        "fully_online": content.fully_online,
    }


def facet_codes(content: GuideContent) -> list[tuple[str, str]]:
    """(kind, code) of every facet of a guide, without duplicates, in a stable order."""
    kind = ItemFacet.Kind
    rows = [(kind.PERSON_THEME, c) for c in content.person_themes]
    rows += [(kind.CORPORATE_THEME, c) for c in content.corporate_themes]
    rows += [(kind.SERVICE_OBJECT, c) for c in content.service_objects]
    rows += [(kind.ONLINE_DEPTH, c) for c in content.online_depth]
    rows += [(kind.CHANNEL, c) for c in content.channels]
    if content.cross_region:
        rows += [(kind.CROSS_REGION, content.cross_region.scope)]
        rows += [(kind.CROSS_REGION, f"mode:{m}") for m in content.cross_region.modes]
    return [(str(k), c) for k, c in dict.fromkeys(rows)]


def facets_for(item: ImplementationItem, content: GuideContent) -> list[ItemFacet]:
    return [ItemFacet(item=item, kind=k, code=c) for k, c in facet_codes(content)]


@transaction.atomic
def guide_withdraw(*, actor: Any, item_code: str, reason: str) -> ImplementationItem:
    """Stop offering an item (取消): its published guide is withdrawn, history kept."""
    if not reason.strip():
        raise ValidationFailed(
            _("请填写取消事项的原因。"), fields=[FieldProblem("reason", _("请填写原因。"))]
        )
    item = access_item_for_edit(actor, code=item_code)
    item = ImplementationItem.objects.select_for_update().get(pk=item.pk)
    version = item.versions.filter(status=GuideStatus.PUBLISHED).first()
    if version is None:
        raise Conflict(_("该事项没有已发布的指南。"), code="invalid_transition")
    _transition(version, GuideStatus.WITHDRAWN)
    version.ended_at = timezone.now()
    version.save(update_fields=["status", "ended_at", "updated_at"])
    item.status = ItemStatus.WITHDRAWN
    item.published_version = None
    item.save(update_fields=["status", "published_version", "updated_at"])
    item.facets.all().delete()
    items_changed.send(sender=ImplementationItem, item_codes=[item.code])
    audit_record(
        actor=actor,
        action="catalog.item.withdraw",
        obj=item,
        reason=reason,
        summary={"code": item.code, "version": version.number},
    )
    return item


# --- Bundles (一件事) ----------------------------------------------------------------------------


@transaction.atomic
def bundle_create(
    *,
    actor: Any,
    code: str,
    name: str,
    audience: str,
    summary: str,
    members: list[tuple[str, int, str]],
    definition: dict[str, Any],
    is_national_key: bool = False,
    promised_days: int | None = None,
    region: Any = None,
) -> Bundle:
    """`members` are (basic code, stage, note); stages run in order, members of a stage in parallel."""
    check_basic_catalog_admin(actor)
    problems: list[FieldProblem] = []
    if Bundle.objects.filter(code=code).exists():
        problems.append(FieldProblem("code", _("一件事编码%(code)s已存在。") % {"code": code}))
    if len(members) < 2:
        problems.append(FieldProblem("members", _("一件事至少包含两个事项。")))
    basics = {b.code: b for b in BasicItem.objects.filter(code__in=[m[0] for m in members])}
    missing = [m[0] for m in members if m[0] not in basics]
    if missing:
        problems.append(
            FieldProblem(
                "members", _("以下基本编码不存在：%(codes)s") % {"codes": "、".join(missing)}
            )
        )
    if problems:
        raise ValidationFailed(_("一件事信息有误。"), fields=problems)
    bundle = Bundle.objects.create(
        code=code,
        name=name,
        audience=audience,
        summary=summary,
        definition=definition,
        is_national_key=is_national_key,
        promised_days=promised_days,
        region=region,
    )
    BundleMember.objects.bulk_create(
        BundleMember(bundle=bundle, basic_item=basics[c], stage=stage, note=note)
        for c, stage, note in members
    )
    audit_record(
        actor=actor,
        action="catalog.bundle.create",
        obj=bundle,
        summary={"code": code, "name": name, "members": [m[0] for m in members]},
    )
    return bundle
