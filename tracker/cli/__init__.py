"""The ``tracker`` command line. Each command group lives in its own module here and is
registered in :mod:`tracker.cli.main`. Together with :mod:`tracker.bootstrap` this
package is the composition root: it may import every layer."""
