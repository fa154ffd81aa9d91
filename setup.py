# Python's standard library owns the name `site`, so the project folder site/ installs as
# lianzheng_site; packages.find alone would drop the remapped package from the wheel.
from setuptools import find_packages, setup

setup(
    packages=[
        p.replace("site", "lianzheng_site", 1) if p.split(".")[0] == "site" else p
        for p in find_packages(include=["lianzheng*", "home*", "site*"])
    ]
)
