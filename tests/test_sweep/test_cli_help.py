"""The sweep CLI's help cannot drift from its parser: each command's usage
is generated from it, and every text that lists the commands lists all."""
import argparse
import os
import re

from helpers import ROOT

from focal_iou_mmdet.sweep import __main__ as cli


def _commands():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions
               if isinstance(a, argparse._SubParsersAction))
    return parser, sub.choices


def test_the_help_shows_every_option_of_every_command():
    parser, commands = _commands()
    text = parser.format_help()
    for name, sub in commands.items():
        for action in sub._actions:
            for flag in action.option_strings:
                if flag.startswith('--') and flag != '--help':
                    usage = text.split('commands:')[1]
                    assert flag in usage, (name, flag)


def test_every_text_that_lists_the_commands_lists_them_all():
    _, commands = _commands()
    tool = open(os.path.join(ROOT, 'tools', 'sweep.py')).read()
    listed = re.search(r'\{([a-z,]+)\} SPEC', tool).group(1).split(',')
    assert listed == list(commands)
    for name in commands:
        assert name in cli.__doc__.split('\n\n')[0], name


def test_no_help_names_a_python_spec_or_a_file_that_is_gone():
    parser, _ = _commands()
    text = parser.format_help() + open(os.path.join(
        ROOT, 'tools', 'sweep.py')).read()
    assert 'Python file' not in text and 'YAML/JSON/Python' not in text
    for path in re.findall(r'focal_iou_mmdet/[\w/]+\.py', text):
        assert os.path.exists(os.path.join(ROOT, path)), path
