from changhu.cli import main

main()
