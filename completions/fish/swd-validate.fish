# fish completion for swd-validate

complete -c swd-validate -l domains -r -F -d 'Domain list file'
complete -c swd-validate -l nodes -r -F -d 'Node list file'
complete -c swd-validate -l rejects -r -F -d 'Append reject records to this file'
complete -c swd-validate -l state -r -F -d 'State file'
complete -c swd-validate -l config -r -F -d 'Configuration file'
complete -c swd-validate -s v -l verbose -d 'Say more on stderr (repeatable)'
complete -c swd-validate -s q -l quiet -d 'Only errors on stderr'
complete -c swd-validate -l format -x -a 'auto jsonl json table' -d 'Output format'
complete -c swd-validate -l print-config -d 'Print the effective configuration and exit'
complete -c swd-validate -l version -d 'Print the version and exit'
complete -c swd-validate -s h -l help -d 'Print a summary of the options and exit'
