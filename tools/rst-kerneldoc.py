#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Parse, and optionally render, one of mdgpu's Documentation/*.rst with
Debian's docutils, pulling the code's ``DOC:`` blocks in where the page
says::

    .. kernel-doc:: drivers/parent.c
       :doc: Parent registration

as the kernel's Sphinx extension does: the block's text comes from the
kernel's ``scripts/kernel-doc -rst -function TITLE FILE`` (paths relative
to the repository root). A ``kernel-doc`` directive whose block does not
exist is an error, so a page cannot keep pointing at a renamed block.

usage: rst-kerneldoc.py [--html OUT.html] FILE.rst

Prints docutils' warnings and errors; exits 1 if there were any. The
kernel-doc script is $MDGPU_KERNEL_DOC, or extracted once from Debian's
linux-source-6.12 into $MDGPU_CACHE (default /var/cache/mdgpu).
"""

import io
import os
import subprocess
import sys
import tarfile

import docutils.core
import docutils.nodes
from docutils.parsers.rst import Directive, directives, roles
from docutils.statemachine import StringList

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KSRC_TARBALL = "/usr/src/linux-source-6.12.tar.xz"


def kernel_doc_script():
    """The path of scripts/kernel-doc, extracted on first use."""
    path = os.environ.get("MDGPU_KERNEL_DOC")
    if path:
        return path
    cache = os.environ.get("MDGPU_CACHE", "/var/cache/mdgpu")
    stamp = int(os.stat(KSRC_TARBALL).st_mtime)
    path = os.path.join(cache, "kernel-doc-%d" % stamp, "kernel-doc")
    if os.path.exists(path):
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tarfile.open(KSRC_TARBALL) as tar:
        for member in tar:
            if member.name.endswith("/scripts/kernel-doc") and member.isfile():
                data = tar.extractfile(member).read()
                break
        else:
            raise SystemExit("no scripts/kernel-doc in " + KSRC_TARBALL)
    tmp = path + ".tmp%d" % os.getpid()
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)
    return path


class KernelDoc(Directive):
    """``.. kernel-doc:: FILE`` with ``:doc: TITLE``: that DOC: block."""

    required_arguments = 1
    option_spec = {"doc": directives.unchanged_required}
    has_content = False

    def run(self):
        src = self.arguments[0]
        title = self.options.get("doc")
        reporter = self.state_machine.reporter
        if not title:
            return [reporter.error("kernel-doc: only :doc: blocks are supported",
                                   line=self.lineno)]
        out = subprocess.run(
            ["perl", kernel_doc_script(), "-rst", "-function", title,
             os.path.join(REPO, src)],
            capture_output=True, text=True, check=False)
        lines = [l for l in out.stdout.splitlines()
                 if not l.startswith(".. LINENO")]
        if out.returncode or not any(l.strip() for l in lines):
            return [reporter.error("kernel-doc: no DOC: %s in %s" % (title, src),
                                   line=self.lineno)]
        node = docutils.nodes.section()
        node.document = self.state.document
        self.state.nested_parse(StringList(lines, source=src), 0, node)
        return node.children


def literal_role(name, rawtext, text, lineno, inliner, options=None,
                 content=None):
    """Sphinx's C roles (kernel-doc emits them): the text, as code."""
    shown = text.split("<")[0].strip() if "<" in text else text
    return [docutils.nodes.literal(rawtext, shown)], []


def main(argv):
    html = None
    if len(argv) > 2 and argv[1] == "--html":
        html = argv[2]
        argv = argv[:1] + argv[3:]
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    directives.register_directive("kernel-doc", KernelDoc)
    for role in ("c:type", "c:func", "c:macro", "c:member", "ref"):
        roles.register_local_role(role, literal_role)
    err = io.StringIO()
    settings = {"warning_stream": err, "report_level": 2}
    with open(argv[1], encoding="utf-8") as f:
        text = f.read()
    if html:
        out = docutils.core.publish_string(text, source_path=argv[1],
                                           writer_name="html",
                                           settings_overrides=settings)
        with open(html, "wb") as f:
            f.write(out)
    else:
        docutils.core.publish_doctree(text, source_path=argv[1],
                                      settings_overrides=settings)
    sys.stdout.write(err.getvalue())
    return 1 if err.getvalue() else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
