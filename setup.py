"""Build script for arsearch's optional compiled core.

Everything else is declared in ``setup.cfg``. Each ``arsearch/<package>/_c*.c``
is a C extension (``arsearch.<package>._c*``) built with the compiler and the
Python headers only. The extensions are optional: when one fails to compile,
``pip install .`` warns and goes on, and arsearch runs that part in pure Python
(``arsearch --version`` says which path is in use; see ``arsearch.native``).
"""

from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def _extensions() -> list[Extension]:
    # -ffp-contract=off: no fused multiply-add, so sums of weights round as in numpy.
    found = []
    for source in sorted(ROOT.glob("arsearch/*/_c*.c")):
        relative = source.relative_to(ROOT)
        # A package's _c*.h headers, included by its sources, rebuild them when changed.
        headers = [h.relative_to(ROOT).as_posix() for h in sorted(source.parent.glob("_c*.h"))]
        found.append(Extension(".".join(relative.with_suffix("").parts), [relative.as_posix()],
                               depends=headers, optional=True,
                               extra_compile_args=["-O2", "-ffp-contract=off"]))
    return found


class _OptionalBuildExt(build_ext):
    """``build_ext`` that turns a failed compile into a warning (pure-Python fallback)."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler at all, missing headers
            self.warn(f"arsearch: the compiled core was not built ({exc}); "
                      "the pure-Python path will be used")

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:
            self.warn(f"arsearch: {ext.name} did not compile ({exc}); "
                      "the pure-Python path will be used for it")


setup(ext_modules=_extensions(), cmdclass={"build_ext": _OptionalBuildExt})
