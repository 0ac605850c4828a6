"""Article images up: make the cloud hold exactly the images of the folder, sending only changes.

One pass: read the cloud's manifest (a 304 when nothing changed there since the last pass, so
it costs a few bytes; in full when it changed, which also covers a cloud that lost its images),
scan the folder, then upload each image that is new or whose file changed (by SHA-256; a file
whose size and modification time are those already seen is not even read), and delete from the
cloud the images whose file is gone. A bad file (damaged, too large, too many pixels, or
refused by the cloud) is skipped with a warning and remembered until it changes; it never stops
the others, and the cloud keeps the last good image of that article. A folder that cannot be
read deletes nothing: a network share that is down must not empty the catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from activo.config import ImagesConfig
from activo.image_files import (
    BadImage,
    FolderScan,
    ImageFile,
    Limits,
    read_source,
    render,
    scan_folder,
    source_sha256,
)
from activo.image_state import AckedImage, ImageState
from connectors.cloud.client import CloudAuthError, CloudClient, CloudError, CloudRejected

log = structlog.get_logger(__name__)


@dataclass
class ImagePushResult:
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: dict[str, str] = field(default_factory=dict)  # code → why (English)
    errors: list[str] = field(default_factory=list)  # Spanish, for the run and the tray
    cloud_unavailable: bool = False

    @property
    def changes(self) -> int:
        return len(self.uploaded) + len(self.deleted)


def limits_for(config: ImagesConfig) -> Limits:
    return Limits(thumb_px=config.thumb_px, detail_px=config.detail_px,
                  max_file_bytes=config.max_file_mb * 1024 * 1024,
                  max_pixels=config.max_megapixels * 1_000_000)


def push_images(client: CloudClient, folder: Path, state: ImageState, limits: Limits, *,
                should_stop: Callable[[], bool] = lambda: False) -> ImagePushResult:
    """One pass over ``folder``; a rejected token raises ``CloudAuthError``."""
    result = ImagePushResult()
    try:
        scan = scan_folder(folder)
    except OSError as exc:
        log.warning("images_folder_unreadable", folder=str(folder), error=str(exc))
        result.errors.append(f"No se puede leer la carpeta de imágenes {folder}: {exc}. "
                             "Revisá [images] folder y los permisos.")
        return result
    _warn_about_names(scan)
    try:
        _refresh_from_manifest(client, state)
        acked = state.acked()
        for file in sorted(scan.files.values(), key=lambda f: f.code):
            if should_stop():
                return result
            _one_file(client, state, file, acked.get(file.code), limits, result)
        gone = sorted(set(acked) - set(scan.files))
        for code in gone:
            if should_stop():
                return result
            ack = client.delete_image(code)
            state.forget([code])
            result.deleted.append(code)
            log.info("image_deleted", code=code, status=ack.status)
    except CloudAuthError:
        raise
    except CloudError as exc:
        log.warning("images_cloud_unavailable", error=str(exc))
        result.cloud_unavailable = True
        result.errors.append(exc.message_es)
    state.clear_rejects(keep=scan.files)
    return result


def _warn_about_names(scan: FolderScan) -> None:
    for code, others in sorted(scan.ignored.items()):
        log.warning("image_duplicate_files", code=code, used=str(scan.files[code].path),
                    ignored=[str(p) for p in others])
    for path in scan.bad_names:
        log.warning("image_name_not_a_code", file=str(path))


def _refresh_from_manifest(client: CloudClient, state: ImageState) -> None:
    manifest, etag = client.image_manifest(state.manifest_etag)
    if manifest is None:
        return  # the cloud holds what the acknowledgements say
    state.replace_all(
        (AckedImage(e.article_code, e.source_sha256, e.version) for e in manifest.images), etag)
    log.info("images_manifest_read", images=len(manifest.images))


def _one_file(client: CloudClient, state: ImageState, file: ImageFile,
              acked: AckedImage | None, limits: Limits, result: ImagePushResult) -> None:
    if acked is not None and acked.same_file(file.size, file.mtime_ns):
        result.unchanged += 1
        return
    known_reason = state.rejected(file.code, file.size, file.mtime_ns)
    if known_reason is not None:
        result.skipped[file.code] = known_reason
        return
    try:
        data = read_source(file, limits)
        digest = source_sha256(data)
        if acked is not None and acked.source_sha256 == digest:  # touched, not changed
            state.remember(AckedImage(file.code, digest, acked.version, file.size,
                                      file.mtime_ns))
            result.unchanged += 1
            return
        renditions = render(data, limits)
    except BadImage as exc:
        _skip(state, file, str(exc), result)
        return
    try:
        ack = client.put_image(file.code, digest, renditions.thumb, renditions.detail)
    except CloudRejected as exc:  # the cloud refused this image: a bad file, like the others
        _skip(state, file, f"refused by the cloud: {exc.detail}", result)
        return
    state.remember(AckedImage(file.code, digest, ack.version or "", file.size, file.mtime_ns))
    result.uploaded.append(file.code)
    log.info("image_uploaded", code=file.code, thumb_bytes=len(renditions.thumb),
             detail_bytes=len(renditions.detail), status=ack.status)


def _skip(state: ImageState, file: ImageFile, reason: str, result: ImagePushResult) -> None:
    log.warning("image_skipped", code=file.code, file=str(file.path), reason=reason)
    state.reject(file.code, file.size, file.mtime_ns, reason)
    result.skipped[file.code] = reason
