<?php
// This file is part of local_lemma, the companion plugin of lemma-pkg.
//
// local_lemma is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// local_lemma is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with local_lemma.  If not, see <https://www.gnu.org/licenses/>.

namespace local_lemma\local;

/**
 * Thrown to roll back a restore request after its precheck (precheck only, or errors).
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class precheck_stop extends \Exception {
    /** @var string prechecked or refused */
    public $state;
    /** @var array Moodle's precheck errors */
    public $errors;
    /** @var array Moodle's precheck warnings */
    public $warnings;

    /**
     * Constructor.
     *
     * @param string $state
     * @param array $errors
     * @param array $warnings
     */
    public function __construct(string $state, array $errors, array $warnings) {
        parent::__construct($state);
        $this->state = $state;
        $this->errors = $errors;
        $this->warnings = $warnings;
    }
}
