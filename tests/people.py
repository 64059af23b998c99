"""Who is who in config/directory.yaml, for tests that act as them."""

OWEN = "owen.prescott@cheshire-pcc.example.org"  # policy officer: drafts the summary and PCC response
RACHEL = "rachel.ashworth@cheshire-pcc.example.org"  # chief executive: approves the summary
JOHN = "john.dwyer@cheshire-pcc.example.org"  # commissioner: approves the commissioner's response
HANNAH = "hannah.whitfield@cheshire-pcc.example.org"  # PCC administrator
PRIYA = "priya.mistry@cheshire.police.example.org"  # force liaison: drafts the force's response
DANIEL = "daniel.holt@cheshire.police.example.org"  # strategic lead for AFI-1
CLAIRE = "claire.bannister@cheshire.police.example.org"  # another strategic lead
ANDREW = "andrew.kershaw@cheshire.police.example.org"  # chief constable
SARAH = "sarah.lomax@cheshire.police.example.org"  # deputy chief constable
