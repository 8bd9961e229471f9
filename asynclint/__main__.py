from asynclint.cli import main

main()
