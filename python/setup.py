"""Builds the offloadkit Python package (issue 19).

`pip install --no-build-isolation --no-index ./python` runs CMake on the repository (the parent of
this directory) with OFFLOADKIT_BUILD_PYTHON=ON and tests, examples and benchmarks off, builds the
pybind11 extension `offloadkit._offloadkit` and puts it into the package. Nothing is downloaded:
CMake, a C++20 compiler, Eigen, xsimd, pybind11 and the Python headers come from the system
(`scripts/deps python`).

Environment:
  OFFLOADKIT_PYTHON_BUILD_DIR  CMake binary directory to (re)use (default: a directory under
                               setuptools' build_temp); scripts/test points it at build/python so
                               the extension its ctest stage built is reused, not recompiled.
  OFFLOADKIT_CMAKE_ARGS        extra CMake arguments, split on spaces.
  CMAKE_BUILD_PARALLEL_LEVEL   build jobs (CMake's own variable).
"""

import glob
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def project_version():
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("project(offloadkit VERSION"):
                return line.split()[2]
    raise RuntimeError("no project(offloadkit VERSION ...) line in CMakeLists.txt")


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.environ.get("OFFLOADKIT_PYTHON_BUILD_DIR") or os.path.join(
            os.path.abspath(self.build_temp), "cmake")
        os.makedirs(build_dir, exist_ok=True)
        configure = [
            "cmake", "-S", ROOT, "-B", build_dir,
            "-DCMAKE_BUILD_TYPE=Release",
            "-DOFFLOADKIT_BUILD_PYTHON=ON",
            "-DPython3_EXECUTABLE=" + sys.executable,
        ]
        if not os.environ.get("OFFLOADKIT_PYTHON_BUILD_DIR"):
            configure += ["-DOFFLOADKIT_BUILD_TESTS=OFF", "-DOFFLOADKIT_BUILD_EXAMPLES=OFF",
                          "-DOFFLOADKIT_BUILD_BENCHMARKS=OFF", "-DOFFLOADKIT_INSTALL=OFF"]
        configure += os.environ.get("OFFLOADKIT_CMAKE_ARGS", "").split()
        subprocess.check_call(configure)
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "_offloadkit"])
        built = glob.glob(os.path.join(build_dir, "python", "offloadkit", "_offloadkit*"))
        if len(built) != 1:
            raise RuntimeError("expected one built _offloadkit module, found %r" % built)
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(built[0], target)


setup(
    name="offloadkit",
    version=project_version(),
    description="Confidence-based offloading (CBO), ApproxNet scheduling and AMVP placement from numpy",
    license="MIT",
    packages=["offloadkit"],
    package_data={"offloadkit": ["__init__.pyi", "py.typed"]},
    ext_modules=[CMakeExtension("offloadkit._offloadkit")],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    install_requires=["numpy"],
    zip_safe=False,
)
