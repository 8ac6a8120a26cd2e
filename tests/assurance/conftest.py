"""Assurance gates print their figures into the terminal summary, so the CI log shows them without `-s`."""

FIGURES: list[str] = []

# Said in every summary so nobody reads a green build as more than it measured.
NOT_RUN = [
    "known vulnerabilities: where no live service answers, advisories published after the offline snapshot's date "
    "are not seen; `make audit` checks both locks against the live service, with --strict",
]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if FIGURES:
        terminalreporter.section("assurance figures")
        for line in FIGURES + NOT_RUN:
            terminalreporter.write_line(line)
