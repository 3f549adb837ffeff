"""The backup file: a plain tar, written member by member without holding a file in memory,
each member's SHA-256 taken while it is written, the manifest last (it lists what is really in
the file); read back only after every member's checksum has been compared."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from hub.backup.manifest import NAME, Manifest, Member

CHUNK = 1024 * 1024


class Damaged(ValueError):
    """The backup file is incomplete or changed since it was written; ``detail`` says where."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class _Hashing:
    """A file-like reader that hashes what tarfile copies through it."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.raw.read(n)
        self.sha256.update(chunk)
        self.size += len(chunk)
        return chunk


class Writer:
    """Adds files to an open tar and remembers each one's size and checksum."""

    def __init__(self, tar: tarfile.TarFile) -> None:
        self.tar, self.members, self.now = tar, dict[str, Member](), int(time.time())

    def add_file(self, name: str, path: Path) -> None:
        with open(path, "rb") as handle:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = os.fstat(handle.fileno()).st_size, self.now, 0o600
            hashing = _Hashing(handle)
            self.tar.addfile(info, hashing)
        self.members[name] = Member(hashing.size, hashing.sha256.hexdigest())

    def add_manifest(self, manifest: Manifest) -> None:
        raw = manifest.to_json()
        info = tarfile.TarInfo(NAME)
        info.size, info.mtime, info.mode = len(raw), self.now, 0o600
        self.tar.addfile(info, io.BytesIO(raw))


@contextmanager
def writing(final: Path) -> Iterator[Writer]:
    """A tar written under a temporary name and renamed to ``final`` only when complete, so a
    file with the backup's name is always a whole backup. Readable by its owner only: it holds
    citizens' comments and staff's e-mail addresses."""
    partial = final.with_name(f".{final.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                yield Writer(tar)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)


def safe_name(name: str) -> PurePosixPath:
    """A member name that stays inside the folder it is extracted to."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or ".." in path.parts or "\\" in name:
        raise Damaged(f"unsafe member name {name!r}")
    return path


class Reader:
    """A backup file opened for restoring; :meth:`verify` before anything is taken out."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.tar = tarfile.open(path, mode="r:")  # noqa: SIM115 (closed by close())
            self.entries = {m.name: m for m in self.tar.getmembers()}
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise Damaged(f"not a readable tar file: {exc}") from exc
        if NAME not in self.entries:
            raise Damaged(f"{NAME} is missing (the file is incomplete or not a hub backup)")
        try:
            self.manifest = Manifest.from_json(self._read(NAME))
        except (ValueError, TypeError, KeyError) as exc:
            raise Damaged(f"{NAME} cannot be read: {exc}") from exc

    def close(self) -> None:
        self.tar.close()

    def _read(self, name: str) -> bytes:
        handle = self.tar.extractfile(self.entries[name])
        assert handle is not None
        return handle.read()

    def verify(self) -> None:
        """Compare every member with the manifest (names, sizes, SHA-256); raise Damaged."""
        files = {n for n, m in self.entries.items() if m.isfile()} - {NAME}
        expected = set(self.manifest.members)
        if files != expected:
            missing, extra = sorted(expected - files), sorted(files - expected)
            raise Damaged(f"members differ from the manifest: missing {missing}, extra {extra}")
        for name in sorted(expected):
            safe_name(name)
            want = self.manifest.members[name]
            digest, size = hashlib.sha256(), 0
            try:
                handle = self.tar.extractfile(self.entries[name])
                assert handle is not None
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise Damaged(f"{name}: {exc}") from exc
            if size != want.size or digest.hexdigest() != want.sha256:
                raise Damaged(
                    f"{name}: {size} bytes, SHA-256 {digest.hexdigest()}; "
                    f"the manifest says {want.size} bytes, {want.sha256}"
                )

    def names(self, prefix: str) -> list[str]:
        return sorted(n for n in self.manifest.members if n.startswith(prefix))

    def extract(self, name: str, to: Path) -> None:
        """Write one member to ``to`` (through a temporary name in the same folder)."""
        to.parent.mkdir(parents=True, exist_ok=True)
        staged = to.with_name(f".{to.name}.restoring")
        handle = self.tar.extractfile(self.entries[name])
        assert handle is not None
        try:
            with open(staged, "wb") as out:
                shutil.copyfileobj(handle, out, CHUNK)
            os.replace(staged, to)
        finally:
            staged.unlink(missing_ok=True)
