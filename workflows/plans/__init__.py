"""Rencana aksi: the yearly action plan every region and instansi writes under the national road map
(Permen PANRB 46/2020) -- targets for the monev indicators and the activities to reach them, with
their progress; monev sets each against the actual figures."""
