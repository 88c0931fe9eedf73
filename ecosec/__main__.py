from ecosec.cli import main

main()
