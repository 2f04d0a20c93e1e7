"""Signals the catalog sends so that apps above it (search) can follow its changes without the
catalog importing them. Receivers must not fail the sender's transaction: they schedule their
work with transaction.on_commit."""

from django.dispatch import Signal

# A guide was published (item now offered with new content) or an item withdrawn.
# kwargs: item_codes (list of implementation codes)
items_changed = Signal()
