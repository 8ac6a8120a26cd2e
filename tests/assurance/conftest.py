"""Assurance gates print their figures into the terminal summary, so the CI log shows them without `-s`."""

FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if FIGURES:
        terminalreporter.section("assurance figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
