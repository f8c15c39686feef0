"""The guard inside a grading kernel, in three pieces that kernel_boot.py puts together:

    policy     which paths the kernel may read and write (the most specific rule wins)
    audit      the PEP 578 audit hook: network, files (through the policy), forks, protected classes
    snapshot   the objects test cells rely on, compared and put back around every test cell
    channel    the one-way report channel to the grader

Each piece is built by one function that returns closures over its own locals
(not module globals, which student code could reach through ``sys.modules``),
and each can be built and tried alone, outside a kernel (tests/test_sandbox.py).
"""
