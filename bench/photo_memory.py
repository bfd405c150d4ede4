"""Peak memory of checking one near-limit photo (issue 19, item 7) and, when the request accepts it, of the
job making its public copy (issue 26): each case runs in a fresh process and
prints its peak resident size (VmHWM, Linux) above the same process's size just before, setup and file read.

    .venv/bin/python bench/photo_memory.py
"""

import json
import subprocess
import sys
import tempfile

CASES = {
    # The probe's case: a flat PNG of 39.7 megapixels compresses to about 115 KB.
    "png-39.7MP": ("PNG", (7300, 5440)),
    "png-16MP": ("PNG", (4608, 3456)),
    "jpeg-39.7MP": ("JPEG", (7300, 5440)),
    "jpeg-12MP": ("JPEG", (4000, 3000)),
    "jpeg-40MP-panorama": ("JPEG", (16000, 2490)),
    "webp-12MP": ("WEBP", (4000, 3000)),
    "webp-8MP": ("WEBP", (3264, 2448)),
}


def _peak_kib() -> int:
    """The process's peak resident size (VmHWM) since the last _reset_peak()."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1])


def _reset_peak() -> None:
    # Linux: "5" resets the peak resident size to the current one, so the setup's own peak is not counted.
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def _one(case: str, path: str) -> dict:
    import django

    sys.path.insert(0, ".")
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tinhso.core.errors import InvalidInput
    from tinhso.fieldreports.photos import check_photos, public_copy

    fmt, _size = CASES[case]
    with open(path, "rb") as file:
        data = file.read()
    upload = SimpleUploadedFile(f"anh.{fmt.lower()}", data)
    # The floor: the same process with the file in memory, before any photo is decoded.
    _reset_peak()
    floor = _peak_kib()
    try:
        [checked] = check_photos([upload])
        public = public_copy(checked.original)
        verdict = f"accepted, public copy {public.width}x{public.height}"
    except InvalidInput as refusal:
        verdict = f"refused: {refusal.message}"
    return {
        "case": case,
        "file_kb": len(data) // 1024,
        "extra_peak_mb": (_peak_kib() - floor) // 1024,
        "verdict": verdict,
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(_one(sys.argv[2], sys.argv[3]), ensure_ascii=False))
        return
    from PIL import Image

    print(f"{'case':<18} {'file KB':>8} {'peak MB above floor':>20}  verdict")
    for case, (fmt, size) in CASES.items():
        # Made here, so the measured process never holds the full-size image it was drawn from.
        with tempfile.NamedTemporaryFile(suffix=f".{fmt.lower()}") as file:
            Image.new("RGB", size, (120, 90, 60)).save(file, format=fmt)
            file.flush()
            run = subprocess.run(
                [sys.executable, __file__, "--one", case, file.name],
                capture_output=True,
                text=True,
                check=True,
            )
        row = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"{row['case']:<18} {row['file_kb']:>8} {row['extra_peak_mb']:>20}  {row['verdict']}")


if __name__ == "__main__":
    main()
