"""bench/importers/run: generate a Disqus export of about --size-mb, import it into a fresh
SQLite data folder under /usr/bin/time -v, and write the importer section of
docs/benchmarks.md (peak memory, comments/s, the machine and its load).

The generated file and the data folder live under --work (outside the repository) and are
deleted at the end unless --keep. Standard library only.
"""

# ruff: noqa: S603, S607 (it runs the programs it measures)

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))

import sections  # noqa: E402 - bench/ is not a package

BYTES_PER_COMMENT = 700  # what generate_disqus.py writes per post, threads included
IMPORT_CODE = ("townhall/importers", "townhall/cli/imports.py", "townhall/store/imports.py")
LIMIT_MB = 300  # issue #6: peak memory under 300 MB


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/importers/run", description=__doc__)
    parser.add_argument("--size-mb", type=int, default=1024, help="file size to generate")
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--work", type=Path, help="scratch folder (default: a new one in /tmp)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the file and the data")
    parser.add_argument("--python", default=sys.executable, help="interpreter for townhall")
    return parser.parse_args(argv)


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def time_field(report: str, label: str) -> str:
    match = re.search(rf"^\s*{re.escape(label)}: (.+)$", report, re.MULTILINE)
    if match is None:
        raise SystemExit(f"/usr/bin/time -v printed no {label!r}; is it GNU time?")
    return match.group(1).strip()


def seconds(clock: str) -> float:
    """GNU time's wall clock, h:mm:ss or m:ss.ss, in seconds."""
    total = 0.0
    for part in clock.split(":"):
        total = total * 60 + float(part)
    return total


def main(argv: list[str]) -> int:
    args = parse(argv)
    if not Path("/usr/bin/time").exists():
        raise SystemExit("needs GNU time: apt-get install time")
    work = args.work or Path(tempfile.mkdtemp(prefix="townhall-import-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    xml, data, timing = work / "disqus.xml", work / "data", work / "time.txt"
    comments = args.size_mb * 1024 * 1024 // BYTES_PER_COMMENT
    try:
        print(f"generating {comments:,} comments into {xml}", flush=True)
        generate = [args.python, str(HERE / "generate_disqus.py"), str(xml)]
        subprocess.run([*generate, "--comments", str(comments), "--threads", str(args.threads)],
                       check=True)  # fmt: skip
        size = xml.stat().st_size
        load_before = os.getloadavg()
        # Wide enough that the progress bar's last frame is written whole.
        env = {**os.environ, "TOWNHALL_DATA_DIR": str(data), "COLUMNS": "200"}
        env.pop("TOWNHALL_DATABASE_URL", None)
        command = ["/usr/bin/time", "-v", "-o", str(timing), args.python, "-m", "townhall"]
        command += ["import", "disqus", str(xml), "--site", "default"]
        print(f"importing {size / 1e6:,.0f} MB: {' '.join(command[4:])}", flush=True)
        started = time.time()
        done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
        print(done.stdout, end="", flush=True)
        sys.stderr.write(done.stderr)
        load_after = os.getloadavg()
        if done.returncode != 0:
            raise SystemExit(f"the import failed with exit code {done.returncode}")
        report = timing.read_text()
        imported = re.search(r"Imported ([\d,]+) comments", done.stdout)
        count = int(imported.group(1).replace(",", "")) if imported else 0
        wall = seconds(time_field(report, "Elapsed (wall clock) time (h:mm:ss or m:ss)"))
        peak_mb = int(time_field(report, "Maximum resident set size (kbytes)")) / 1024
        cpu = time_field(report, "Percent of CPU this job got")
        frames = [line.strip() for line in done.stderr.splitlines() if " new, " in line]
        last_frame = frames[-1] if frames else "no progress bar seen"
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    commit = git("rev-parse", "--short", "HEAD").strip()
    changed = git("status", "--porcelain", "--", *IMPORT_CODE)
    dirty = " (with uncommitted changes to the importer)" if changed else ""
    when = datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%d %H:%M UTC")
    row = (
        f"| {size / 1e6:,.0f} MB | {count:,} | {wall:,.0f} s | {count / wall:,.0f} comments/s"
        f" | {peak_mb:,.0f} MB | {cpu} |"
    )
    verdict = "under" if peak_mb < LIMIT_MB else "**over**"
    section = f"""## Importing (issue #6)

`townhall import disqus` of a generated Disqus export into a fresh SQLite data folder,
measured by `bench/importers/run` with `/usr/bin/time -v` (wall time and rate include the
interpreter's start). The file comes from `bench/importers/generate_disqus.py --comments
{comments} --threads {args.threads}`: 35% of the posts answer an earlier one in their
thread, ~300 bytes of HTML each, 1% deleted and 1% spam, authors drawn from
{comments // 10 + 1:,} addresses.

| file | comments imported | wall time | rate | peak memory (max RSS) | CPU |
|---|---|---|---|---|---|
{row}

Peak memory is {verdict} the issue's limit of {LIMIT_MB} MB. The import ran with its progress
bar on (counts and rate; on a terminal it redraws, into a file only its last frame is
written: `{last_frame}`). Measured {when} at commit
{commit}{dirty} on {os.cpu_count()} cores ({cpu_model()}), Python
{platform.python_version()}, Linux {platform.release()}. The machine is shared with other
work: load average {load_before[0]:.2f} at the start and {load_after[0]:.2f} at the end
(1-minute), so the rate is a floor.
"""
    sections.replace_section(args.out, "importers", section)
    print(f"\npeak {peak_mb:,.0f} MB, {count / wall:,.0f} comments/s; written to {args.out}")
    return 0 if peak_mb < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
