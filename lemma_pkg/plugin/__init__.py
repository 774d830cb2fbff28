"""local_lemma, lemma's companion Moodle plugin: its files, its contract, its services.

* :mod:`lemma_pkg.plugin.bundle`: where the PHP files are, and the installable zip;
* :mod:`lemma_pkg.plugin.contract`: ``contract.yaml``, the functions the plugin offers;
* :mod:`lemma_pkg.plugin.services`: ``db/services.php`` generated from the contract.
"""
