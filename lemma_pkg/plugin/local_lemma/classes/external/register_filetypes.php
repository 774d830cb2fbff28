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

namespace local_lemma\external;

use core_external\external_api;
use core_external\external_function_parameters;
use core_external\external_multiple_structure;
use core_external\external_single_structure;
use core_external\external_value;

/**
 * Register file extensions the site does not know, through core's file types API.
 *
 * Moodle stores a file whose extension it does not know with a type sniffed from its
 * content (an MLwiN worksheet becomes text/plain) and serves it inline as that type.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class register_filetypes extends external_api {
    /**
     * Parameters: the extensions with their MIME types.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'types' => new external_multiple_structure(new external_single_structure([
                'extension' => new external_value(PARAM_ALPHANUMEXT, 'Extension without the dot'),
                'mimetype' => new external_value(PARAM_TEXT, 'MIME type'),
                'description' => new external_value(PARAM_TEXT, 'Description shown to users', VALUE_DEFAULT, ''),
            ])),
        ]);
    }

    /**
     * Add each extension the site does not know; leave known ones alone.
     *
     * @param array $types
     * @return array
     */
    public static function execute(array $types): array {
        global $CFG;
        require_once($CFG->libdir . '/filelib.php');
        $params = self::validate_parameters(self::execute_parameters(), ['types' => $types]);
        $context = \context_system::instance();
        self::validate_context($context);
        require_capability('moodle/site:config', $context);

        $result = [];
        foreach ($params['types'] as $type) {
            $extension = \core_text::strtolower(trim($type['extension']));
            if ($extension === '' || trim($type['mimetype']) === '') {
                throw new \invalid_parameter_exception('extension and mimetype must not be empty');
            }
            $known = get_mimetypes_array();
            if (array_key_exists($extension, $known)) {
                $result[] = ['extension' => $extension, 'mimetype' => $known[$extension]['type'], 'status' => 'exists'];
                continue;
            }
            \core_filetypes::add_type($extension, trim($type['mimetype']), 'unknown', [], '', $type['description']);
            $result[] = ['extension' => $extension, 'mimetype' => trim($type['mimetype']), 'status' => 'added'];
        }
        return $result;
    }

    /**
     * One entry per extension.
     *
     * @return external_multiple_structure
     */
    public static function execute_returns(): external_multiple_structure {
        return new external_multiple_structure(new external_single_structure([
            'extension' => new external_value(PARAM_ALPHANUMEXT, 'Extension'),
            'mimetype' => new external_value(PARAM_TEXT, 'The type the site now uses for it'),
            'status' => new external_value(PARAM_ALPHA, 'added or exists'),
        ]));
    }
}
