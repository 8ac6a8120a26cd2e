"""Assurance gates print their figures into the terminal summary, so the CI log shows them without `-s`."""

FIGURES: list[str] = []

# Said in every summary so nobody reads a green build as more than it measured: the suite reports known
# vulnerabilities in the runtime lock (test_vulnerabilities.py, which says which data it used); the development
# lock is audited only by `make audit`, which needs a live service.
NOT_RUN = [
    "pip-audit over requirements/dev.lock: not run by this suite; `make audit` runs it over both locks, with "
    "--strict, wherever the PyPI JSON API or OSV answers",
]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if FIGURES:
        terminalreporter.section("assurance figures")
        for line in FIGURES + NOT_RUN:
            terminalreporter.write_line(line)
