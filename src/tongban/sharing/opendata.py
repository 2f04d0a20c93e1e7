"""Open data (数据开放): the public catalog as DCAT-AP JSON-LD, and streamed downloads.

The JSON-LD is a dcat:Catalog whose dcat:dataset entries carry dcat:distribution entries (CSV
and JSON Lines downloads) with dcat:downloadURL, dct:format (EU file-type authority) and
dcat:mediaType (IANA), which is what CKAN's DCAT harvester (ckanext-dcat, euro_dcat_ap profile)
reads. Serve it as application/ld+json: the harvester picks the RDF parser by content type.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.sharing.models import CallResult, DataResource, Operation, UpdateFrequency
from tongban.sharing.services import iter_rows, log_system_read

DCAT_CONTEXT: dict[str, str] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "adms": "http://www.w3.org/ns/adms#",
}

FREQUENCY_URI = "http://publications.europa.eu/resource/authority/frequency/"
FREQUENCIES = {
    UpdateFrequency.REALTIME: "CONT",
    UpdateFrequency.DAILY: "DAILY",
    UpdateFrequency.WEEKLY: "WEEKLY",
    UpdateFrequency.MONTHLY: "MONTHLY",
    UpdateFrequency.QUARTERLY: "QUARTERLY",
    UpdateFrequency.YEARLY: "ANNUAL",
    UpdateFrequency.IRREGULAR: "IRREG",
}
FILE_TYPE_URI = "http://publications.europa.eu/resource/authority/file-type/"
MEDIA_TYPE_URI = "https://www.iana.org/assignments/media-types/"
FORMATS = {
    "csv": ("CSV", "text/csv"),
    "jsonl": ("JSON", "application/jsonl"),
}


def _text(value: str) -> dict[str, str]:
    return {"@value": value, "@language": "zh"}


def dataset_jsonld(
    resource: DataResource, *, url: Callable[[str, dict[str, Any]], str]
) -> dict[str, Any]:
    """One dcat:Dataset. `url(name, kwargs)` builds absolute URLs of the portal's pages."""
    landing = url("sharing-open-detail", {"code": resource.code})
    fields = list(resource.fields.all())
    distributions = []
    for fmt, (file_type, media_type) in FORMATS.items():
        download = url("sharing-open-download", {"code": resource.code, "fmt": fmt})
        distributions.append(
            {
                "@id": download,
                "@type": "dcat:Distribution",
                "dct:title": _text(f"{resource.name}（{file_type}）"),
                "dct:description": _text(
                    "信息项：" + "、".join(f"{f.label}（{f.name}）" for f in fields)
                ),
                "dcat:accessURL": {"@id": download},
                "dcat:downloadURL": {"@id": download},
                "dct:format": {"@id": FILE_TYPE_URI + file_type},
                "dcat:mediaType": {"@id": MEDIA_TYPE_URI + media_type},
                **(
                    {"dct:license": {"@id": resource.license}}
                    if resource.license.startswith("http")
                    else {}
                ),
            }
        )
    dataset: dict[str, Any] = {
        "@id": landing,
        "@type": "dcat:Dataset",
        "dct:identifier": resource.code,
        "dct:title": _text(resource.name),
        "dct:description": _text(resource.summary or resource.name),
        "dct:publisher": {
            "@id": f"urn:uscc:{resource.provider.credit_code}",
            "@type": "foaf:Agent",
            "foaf:name": _text(resource.provider.name),
        },
        "dct:modified": {"@value": resource.updated_at.date().isoformat(), "@type": "xsd:date"},
        "dct:accrualPeriodicity": {
            "@id": FREQUENCY_URI + FREQUENCIES.get(resource.update_frequency, "UNKNOWN")
        },
        "dcat:landingPage": {"@id": landing},
        "dcat:keyword": [
            _text(k) for k in resource.keywords.replace("，", ",").split(",") if k.strip()
        ],
        "dcat:distribution": distributions,
    }
    if resource.published_on:
        dataset["dct:issued"] = {"@value": resource.published_on.isoformat(), "@type": "xsd:date"}
    return dataset


def catalog_jsonld(
    resources: list[DataResource],
    *,
    title: str,
    publisher: str,
    catalog_url: str,
    homepage: str,
    url: Callable[[str, dict[str, Any]], str],
) -> dict[str, Any]:
    return {
        "@context": DCAT_CONTEXT,
        "@id": catalog_url,
        "@type": "dcat:Catalog",
        "dct:title": _text(title),
        "dct:description": _text(f"{publisher}开放数据目录"),
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": _text(publisher)},
        "dct:modified": {"@value": timezone.localdate().isoformat(), "@type": "xsd:date"},
        "foaf:homepage": {"@id": homepage},
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/ZHO"},
        "dcat:dataset": [dataset_jsonld(r, url=url) for r in resources],
    }


@dataclass
class Tally:
    """What a download sent: rows and bytes (filled while streaming)."""

    rows: int = 0
    bytes: int = 0


def stream_dataset(resource: DataResource, fmt: str, tally: Tally | None = None) -> Iterator[bytes]:
    """The open resource's rows as CSV (with a BOM, so spreadsheet programs read UTF-8) or JSON
    Lines, chunk by chunk (never the whole table in memory)."""
    tally = tally if tally is not None else Tally()
    for chunk in _chunks(resource, fmt, tally):
        tally.bytes += len(chunk)
        yield chunk


def _chunks(resource: DataResource, fmt: str, tally: Tally) -> Iterator[bytes]:
    fields = list(resource.fields.values_list("name", flat=True))
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(fields)
        yield ("\ufeff" + buf.getvalue()).encode()
        buf.seek(0)
        buf.truncate()
        for count, (_pk, row) in enumerate(iter_rows(resource, fields=fields), start=1):
            writer.writerow(["" if row[f] is None else row[f] for f in fields])
            tally.rows = count
            if count % 1000 == 0:
                yield buf.getvalue().encode()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue().encode()
        return
    lines: list[str] = []
    for _pk, row in iter_rows(resource, fields=fields):
        lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=str))
        tally.rows += 1
        if len(lines) >= 1000:
            yield ("\n".join(lines) + "\n").encode()
            lines.clear()
    if lines:
        yield ("\n".join(lines) + "\n").encode()


def logged_download(resource: DataResource, fmt: str, *, actor: Any = None) -> Iterator[bytes]:
    """`stream_dataset`, counted in the exchange log (and so in the provider's usage statistics)
    once the whole file has gone out; an interrupted download is not counted as a download."""
    tally = Tally()
    yield from stream_dataset(resource, fmt, tally)
    log_system_read(
        actor=actor,
        consumer=None,
        consumer_label=_("社会公众（开放数据下载）"),
        resource=resource,
        operation=Operation.DOWNLOAD,
        purpose=_("开放数据下载"),
        reason=fmt,
        fields=list(resource.fields.values_list("name", flat=True)),
        result=CallResult.OK,
        records=tally.rows,
        nbytes=tally.bytes,
    )
