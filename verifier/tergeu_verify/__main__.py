import sys

from tergeu_verify.cli import main

sys.exit(main())
