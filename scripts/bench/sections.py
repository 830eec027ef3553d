"""docs/BENCHMARKS.md is made of sections each bench script owns: one rewrites its own section
and leaves the others, and the hand-written targets at the end, as they are."""
import os
import re


def splice(text, heading, new_section):
    """Replaces the section that starts with `heading` in `text`, else puts `new_section` before
    the hand-written targets or at the end."""
    pattern = re.compile(re.escape(heading) + r"\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        return pattern.sub(lambda _: new_section + "\n", text, count=1).rstrip("\n") + "\n"
    targets = re.search(r"^## Against the targets", text, re.M)
    if targets:
        return text[:targets.start()] + new_section + "\n" + text[targets.start():]
    return text.rstrip("\n") + "\n\n" + new_section


def publish(path, heading, new_section):
    """Rewrites the section `heading` of the file at `path` (when given) and prints it."""
    if path:
        text = open(path).read() if os.path.exists(path) else ""
        with open(path, "w") as f:
            f.write(splice(text, heading, new_section))
    print(new_section)


def cpu_model():
    """The machine's CPU as /proc/cpuinfo names it, for a section's header."""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"
