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
 * Every course module of a course with its idnumber, in one call.
 *
 * core_course_get_contents gives no idnumber; core_course_get_course_module gives one
 * module per call. lemma matches what it built to what the site has by idnumber.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class course_map extends external_api {
    /**
     * Parameters: the course id.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
        ]);
    }

    /**
     * The course's modules in section order (deleted ones left out).
     *
     * @param int $courseid
     * @return array
     */
    public static function execute(int $courseid): array {
        $params = self::validate_parameters(self::execute_parameters(), ['courseid' => $courseid]);
        $context = \context_course::instance($params['courseid']);
        self::validate_context($context);
        require_capability('moodle/course:manageactivities', $context);

        $modinfo = get_fast_modinfo($params['courseid'], -1);
        $modules = [];
        foreach ($modinfo->get_sections() as $sectionnum => $cmids) {
            foreach ($cmids as $cmid) {
                $cm = $modinfo->get_cm($cmid);
                if ($cm->deletioninprogress) {
                    continue;
                }
                $modules[] = [
                    'cmid' => (int)$cm->id,
                    'modname' => $cm->modname,
                    'instance' => (int)$cm->instance,
                    'idnumber' => (string)$cm->idnumber,
                    'sectionnum' => (int)$sectionnum,
                    'sectionid' => (int)$cm->section,
                    'name' => $cm->get_name(),
                    'visible' => (int)$cm->visible,
                    'completion' => (int)$cm->completion,
                ];
            }
        }
        $course = get_course($params['courseid']);
        return [
            'courseid' => (int)$course->id,
            'shortname' => $course->shortname,
            'idnumber' => (string)$course->idnumber,
            'modules' => $modules,
        ];
    }

    /**
     * The course and its modules.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'shortname' => new external_value(PARAM_TEXT, 'Course short name'),
            'idnumber' => new external_value(PARAM_RAW, 'Course idnumber'),
            'modules' => new external_multiple_structure(
                new external_single_structure([
                    'cmid' => new external_value(PARAM_INT, 'Course module id'),
                    'modname' => new external_value(PARAM_PLUGIN, 'Module type, e.g. page'),
                    'instance' => new external_value(PARAM_INT, 'Instance id in the module table'),
                    'idnumber' => new external_value(PARAM_RAW, 'Course module idnumber'),
                    'sectionnum' => new external_value(PARAM_INT, 'Section number'),
                    'sectionid' => new external_value(PARAM_INT, 'Section id'),
                    'name' => new external_value(PARAM_TEXT, 'Activity name'),
                    'visible' => new external_value(PARAM_INT, '1 visible, 0 hidden'),
                    'completion' => new external_value(PARAM_INT, 'Completion tracking: 0 none, 1 manual, 2 automatic'),
                ])
            ),
        ]);
    }
}
