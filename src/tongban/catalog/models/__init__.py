from tongban.catalog.models.bundles import Bundle, BundleMember
from tongban.catalog.models.guides import GuideStatus, GuideVersion
from tongban.catalog.models.items import BasicItem, ImplementationItem, ItemFacet, ItemStatus

__all__ = [
    "BasicItem",
    "Bundle",
    "BundleMember",
    "GuideStatus",
    "GuideVersion",
    "ImplementationItem",
    "ItemFacet",
    "ItemStatus",
]
