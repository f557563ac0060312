"""Reading an uploaded SCORM 1.2 package (a ZIP) without trusting it.

``inspect_package`` checks the whole archive before anything is stored: that it is a ZIP, that
every entry name is a plain relative path (no ``..``, no absolute path, no backslash, no drive
letter, no symlink), the limits (compressed and unpacked bytes, the ratio between them, the
number of files, path length), and the manifest: ``imsmanifest.xml`` at the root, parsed with
defusedxml (no DTD, so no entity expansion), ``schemaversion`` 1.2, and an organization whose
first item points at a resource with an ``href`` that is a file of the package (the SCO the
learner launches). Each refusal is a ``PackageError`` with a message in Japanese for the editor.

``extract_entries`` yields the files to store, counting the bytes actually unpacked (a ZIP may
lie about its sizes) and stopping at the same limits.
"""

from __future__ import annotations

import posixpath
import re
import stat
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote, urlsplit

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from django.conf import settings

MANIFEST = "imsmanifest.xml"
CHUNK = 64 * 1024
# A manifest is a few kilobytes; a big one is not a manifest anyone wrote by hand or tool.
MANIFEST_MAX_BYTES = 2 * 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


class PackageError(Exception):
    """A package that cannot be used, with the reason in Japanese (shown to the editor)."""


@dataclass(frozen=True)
class Limits:
    """How large a package may be (README: ``SCORM_MAX_*``)."""

    upload_bytes: int
    unpacked_bytes: int
    files: int
    ratio: int
    path_length: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            upload_bytes=settings.SCORM_MAX_UPLOAD_BYTES,
            unpacked_bytes=settings.SCORM_MAX_UNPACKED_BYTES,
            files=settings.SCORM_MAX_FILES,
            ratio=settings.SCORM_MAX_COMPRESSION_RATIO,
            path_length=settings.SCORM_MAX_PATH_LENGTH,
        )


@dataclass
class PackageInfo:
    """What the manifest says, and the package's size."""

    title: str
    launch_path: str
    launch_query: str
    schema_version: str
    mastery_score: Decimal | None
    launch_data: str
    file_count: int
    unpacked_bytes: int
    files: list[str] = field(default_factory=list)


def check_entry_name(name: str, limits: Limits) -> str:
    """The entry's path if it is a plain relative path inside the package, else PackageError."""
    if len(name) > limits.path_length:
        raise PackageError(f"ファイル名が長すぎます（{limits.path_length} 文字まで）：{name[:80]}…")
    if "\\" in name:
        raise PackageError(f"ファイル名に「\\」（バックスラッシュ）が含まれています：{name}")
    if name.startswith("/") or _DRIVE.match(name):
        raise PackageError(f"絶対パスのファイルは受け付けられません：{name}")
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise PackageError(f"ファイル名に制御文字が含まれています：{name!r}")
    parts = name.rstrip("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise PackageError(f"パッケージの外を指すファイル名は受け付けられません：{name}")
    return name


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    # Unix attributes live in the high 16 bits of external_attr (when made on Unix).
    return stat.S_ISLNK(info.external_attr >> 16)


def _open_zip(upload) -> zipfile.ZipFile:
    try:
        upload.seek(0)
        return zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
        raise PackageError(
            "ZIP ファイルとして読めません。SCORM 教材の ZIP ファイルを選んでください。"
        ) from error


def _entries(archive: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """The file entries, every name and size checked (directories are left out)."""
    infos = archive.infolist()
    files = [info for info in infos if not info.is_dir()]
    if len(files) > limits.files:
        raise PackageError(f"ファイルが多すぎます（{len(files):,} 個。{limits.files:,} 個まで）。")
    seen = set()
    declared = 0
    for info in infos:
        check_entry_name(info.filename, limits)
        if _is_symlink(info):
            raise PackageError(f"シンボリックリンクは受け付けられません：{info.filename}")
        if info.flag_bits & 0x1:
            raise PackageError(f"暗号化されたファイルは受け付けられません：{info.filename}")
        if info.is_dir():
            continue
        key = info.filename.casefold()
        if key in seen:
            raise PackageError(f"同じ名前のファイルが二つあります：{info.filename}")
        seen.add(key)
        declared += info.file_size
        if info.file_size > max(info.compress_size, 1) * limits.ratio:
            raise PackageError(
                f"圧縮率が異常に高いファイルがあります（{info.filename}）。"
                "壊れているか、展開すると巨大になる ZIP の可能性があります。"
            )
    if declared > limits.unpacked_bytes:
        raise PackageError(_unpacked_too_large(limits))
    return files


def _unpacked_too_large(limits: Limits) -> str:
    return f"展開後の大きさが上限（{limits.unpacked_bytes // (1024 * 1024):,} MB）を超えます。"


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]):
    """Yield the entry's bytes, stopping when more come out than declared or than the budget."""
    produced = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                produced += len(chunk)
                budget[0] -= len(chunk)
                if produced > info.file_size or budget[0] < 0:
                    raise PackageError(
                        f"展開すると申告より大きくなるファイルがあります（{info.filename}）。"
                        "壊れているか、展開すると巨大になる ZIP の可能性があります。"
                    )
                yield chunk
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as error:
        raise PackageError(f"ZIP の中のファイルが壊れています：{info.filename}") from error


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _attr(element, name: str) -> str:
    """An attribute by its local name, whatever namespace prefix the manifest gave it
    (``adlcp:scormtype``, ``adlcp:scormType``, ``xml:base``)."""
    for key, value in element.attrib.items():
        if _local(key).casefold() == name.casefold():
            return value.strip()
    return ""


def _children(element, name: str) -> list:
    return [child for child in element if _local(child.tag) == name]


def _text(element, name: str) -> str:
    found = _children(element, name)
    return (found[0].text or "").strip() if found else ""


def _first_launchable_item(element):
    """Depth first: the first item that names a resource."""
    for item in _children(element, "item"):
        if _attr(item, "identifierref"):
            return item
        inner = _first_launchable_item(item)
        if inner is not None:
            return inner
    return None


def parse_manifest(data: bytes) -> dict:
    """The launch resource, title and mastery score from ``imsmanifest.xml`` (PackageError
    when it is not a SCORM 1.2 manifest that names a launch file)."""
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as error:
        raise PackageError(
            "imsmanifest.xml に DTD や実体宣言が含まれています。安全のため受け付けられません。"
        ) from error
    except SafeElementTree.ParseError as error:
        raise PackageError(f"imsmanifest.xml が XML として読めません（{error}）。") from error
    if _local(root.tag) != "manifest":
        raise PackageError("imsmanifest.xml の最上位が <manifest> ではありません。")
    metadata = _children(root, "metadata")
    version = _text(metadata[0], "schemaversion") if metadata else ""
    if version != "1.2":
        if version:
            raise PackageError(
                f"SCORM 1.2 の教材ではありません（schemaversion が「{version}」です）。"
                "SCORM 1.2 で書き出した教材をアップロードしてください。"
            )
        raise PackageError(
            "imsmanifest.xml に SCORM のバージョン（<schemaversion>1.2</schemaversion>）が"
            "ありません。SCORM 1.2 で書き出した教材をアップロードしてください。"
        )
    organizations = _children(root, "organizations")
    orgs = _children(organizations[0], "organization") if organizations else []
    if not orgs:
        raise PackageError("imsmanifest.xml に <organization> がありません。")
    default = _attr(organizations[0], "default")
    organization = next((o for o in orgs if _attr(o, "identifier") == default), orgs[0])
    item = _first_launchable_item(organization)
    if item is None:
        raise PackageError("imsmanifest.xml に教材を指す <item identifierref=…> がありません。")
    resources = _children(root, "resources")
    wanted = _attr(item, "identifierref")
    resource = None
    base = ""
    if resources:
        base = _attr(resources[0], "base")
        resource = next(
            (r for r in _children(resources[0], "resource") if _attr(r, "identifier") == wanted),
            None,
        )
    if resource is None:
        raise PackageError(f'imsmanifest.xml に <resource identifier="{wanted}"> がありません。')
    href = _attr(resource, "href")
    if not href:
        raise PackageError(
            f'<resource identifier="{wanted}"> に href（起動するファイル）がありません。'
        )
    base = posixpath.join(base, _attr(resource, "base")) if _attr(resource, "base") else base
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        raise PackageError(
            f"起動するファイルが外部のアドレスです（{href}）。教材の中のファイルを指定してください。"
        )
    path = unquote(posixpath.join(base, parts.path) if base else parts.path)
    mastery = _text(item, "masteryscore")
    mastery_score = None
    if mastery:
        try:
            mastery_score = Decimal(mastery)
        except InvalidOperation as error:
            raise PackageError(
                f"合格点（masteryscore「{mastery}」）が数値ではありません。"
            ) from error
        if not (0 <= mastery_score <= 100):
            raise PackageError(f"合格点（masteryscore「{mastery}」）は 0〜100 で指定します。")
    title = _text(organization, "title") or _text(item, "title")
    return {
        "title": title[:200],
        "launch_path": path,
        "launch_query": parts.query,
        "schema_version": version,
        "mastery_score": mastery_score,
        "launch_data": _text(item, "datafromlms")[:4096],
    }


def inspect_package(upload, limits: Limits | None = None) -> PackageInfo:
    """Check an uploaded package completely (every entry is read once, nothing is stored)."""
    limits = limits or Limits.from_settings()
    size = getattr(upload, "size", None)
    if size is not None and size > limits.upload_bytes:
        raise PackageError(
            f"ファイルが大きすぎます（{limits.upload_bytes // (1024 * 1024):,} MB まで）。"
        )
    with _open_zip(upload) as archive:
        files = _entries(archive, limits)
        names = {info.filename for info in files}
        if MANIFEST not in names:
            nested = [name for name in names if name.rsplit("/", 1)[-1] == MANIFEST]
            hint = (
                f"（{nested[0]} にあります。フォルダごとではなく、中身を ZIP にしてください）"
                if nested
                else ""
            )
            raise PackageError(f"ZIP の最上位に imsmanifest.xml がありません{hint}。")
        manifest_info = archive.getinfo(MANIFEST)
        if manifest_info.file_size > MANIFEST_MAX_BYTES:
            raise PackageError("imsmanifest.xml が大きすぎます。")
        budget = [limits.unpacked_bytes]
        manifest = b"".join(_read_entry(archive, manifest_info, [MANIFEST_MAX_BYTES]))
        parsed = parse_manifest(manifest)
        check_entry_name(parsed["launch_path"], limits)
        if parsed["launch_path"] not in names:
            raise PackageError(
                f"起動するファイル「{parsed['launch_path']}」が ZIP の中にありません。"
            )
        total = 0
        for info in files:
            for chunk in _read_entry(archive, info, budget):
                total += len(chunk)
    return PackageInfo(
        **parsed,
        file_count=len(files),
        unpacked_bytes=total,
        files=sorted(names),
    )


def extract_entries(upload, limits: Limits | None = None):
    """Yield ``(path, chunks)`` for every file of an inspected package, with the same checks
    (the upload is read again: what is stored is what was counted)."""
    limits = limits or Limits.from_settings()
    with _open_zip(upload) as archive:
        budget = [limits.unpacked_bytes]
        for info in _entries(archive, limits):
            yield info.filename, _read_entry(archive, info, budget)
