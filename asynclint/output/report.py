"""Writing a run's findings in the format the user chose; shared by file runs and stdin."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, List, Optional, TextIO

from asynclint.findings import Finding
from asynclint.fixes.policy import FixPolicy
from asynclint.project.index import ProjectIndex
from asynclint.run.options import RunOptions
from asynclint.settings import Settings


class Reporter:
    """Writes findings in the chosen format; the same code serves files and stdin."""

    def __init__(self, out: TextIO, output_format: str, show_source: bool, quiet: bool, statistics: bool,
                 policy: FixPolicy) -> None:
        self.out = out
        self.output_format = output_format
        self.show_source = show_source
        self.quiet = quiet
        self.statistics = statistics
        self.policy = policy

    def write(
        self,
        findings: List[Finding],
        read_text: Callable[[str], Optional[str]],
        source_path: Callable[[str], Path],
        settings: Settings,
        options: RunOptions,
        index: Optional[ProjectIndex],
        fixed: Optional[int],
        out: Optional[TextIO] = None,
    ) -> None:
        """``read_text`` and ``source_path`` map a finding's path to its text and file, for
        ``--show-source`` and SARIF fixes; ``fixed`` is what ``--fix`` did (None without it)."""
        out = out or self.out
        if self.output_format == "json":
            from asynclint.output.json_format import write_json

            write_json(findings, out)
        elif self.output_format == "sarif":
            from asynclint.output.sarif import write_sarif
            from asynclint.output.sarif_fixes import fix_provider
            from asynclint.run.discovery import SourceFile
            from asynclint.run.options import enabled_for

            codes_for = enabled_for(settings, options)
            provider = fix_provider(read_text, source_path, settings,
                                    lambda display: codes_for(SourceFile(source_path(display), display, True)),
                                    index, self.policy)
            write_sarif(findings, out, provider)
        elif self.output_format == "github":
            from asynclint.output.github import write_github

            write_github(findings, out)
        elif self.statistics:
            from asynclint.output.text import write_statistics

            write_statistics(findings, out)
        else:
            from asynclint.output.text import write_findings, write_summary

            if self.show_source:
                from asynclint.output.source import SourceLines, source_excerpt

                lines = SourceLines(read_text)
                for finding in findings:
                    write_findings([finding], out, self.policy)
                    out.write(source_excerpt(finding, lines.line(finding.path, finding.line)))
            else:
                write_findings(findings, out, self.policy)
            if not self.quiet:
                write_summary(findings, out, self.policy, fixed)
