"""The platform's benchmarks: ``make bench`` (``python -m bench``) runs them and rewrites
docs/benchmarks.md from bench/template.md.

Each benchmark is a module with a ``TITLE`` and a ``run(options) -> Section`` function, named
in ``bench.__main__.BENCHMARKS``; the runner owns the command line, the machine description
and the document, so a benchmark only measures and describes what it measured.
"""
