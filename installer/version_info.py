"""Windows version resource of the executables, from ``activo.__version__``.

Explorer's "Detalles" tab and IT's inventory tools read it. Written as PyInstaller's version-file
text (the format ``pyi-grab_version`` prints): PyInstaller's own classes import ``pefile``, which
only exists on Windows, while the text can be produced and checked anywhere.
"""

from __future__ import annotations

import re

COMPANY = "Castor"
PRODUCT = "ACTIVO"


def numeric_version(version: str) -> tuple[int, int, int, int]:
    """``"0.1.0"`` → ``(0, 1, 0, 0)``; a suffix such as ``rc1`` or ``.dev2`` is dropped."""
    parts = [int(p) for p in re.findall(r"\d+", version.split("+")[0])[:4]]
    if not parts:
        raise ValueError(f"not a version: {version!r}")
    return tuple([*parts, 0, 0, 0, 0][:4])  # type: ignore[return-value]


def version_file_text(version: str, *, exe_name: str, description: str) -> str:
    """The VS_VERSIONINFO of one executable of the bundle (es-AR, UTF-16 strings)."""
    numbers = numeric_version(version)
    strings = {
        "CompanyName": COMPANY,
        "FileDescription": description,
        "FileVersion": version,
        "InternalName": exe_name,
        "LegalCopyright": f"© {COMPANY}",
        "OriginalFilename": f"{exe_name}.exe",
        "ProductName": PRODUCT,
        "ProductVersion": version,
    }
    table = ",\n".join(f"          StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={numbers!r}, prodvers={numbers!r}, mask=0x3f, flags=0x0,
                    OS=0x40004, fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([
      StringTable('2C0A04B0', [
{table}
      ])
    ]),
    VarFileInfo([VarStruct('Translation', [0x2C0A, 1200])])
  ]
)
"""
