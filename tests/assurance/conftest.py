"""Assurance gates print their figures into the terminal summary, so the CI log shows them without `-s`."""

FIGURES: list[str] = []

# Said in every summary so nobody reads a green build as audited dependencies: pip-audit needs the PyPI
# JSON API or OSV, and the build machine reaches neither (only PyPI's simple index and files).
NOT_RUN = [
    "pip-audit: not run by this suite (no vulnerability service reachable from the build machine); "
    "`make audit` runs it, with --strict, wherever the PyPI JSON API or OSV answers",
]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if FIGURES:
        terminalreporter.section("assurance figures")
        for line in FIGURES + NOT_RUN:
            terminalreporter.write_line(line)
