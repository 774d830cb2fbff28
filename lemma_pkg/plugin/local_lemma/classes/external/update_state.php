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
use local_lemma\local\applied;

/**
 * What `lemma deploy --update` compares a build with: sections, quiz structure, course
 * completion criteria and the fingerprints lemma last applied to the course.
 *
 * The modules themselves come from local_lemma_course_map.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class update_state extends external_api {
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
     * The course's live state.
     *
     * @param int $courseid
     * @return array
     */
    public static function execute(int $courseid): array {
        global $DB, $CFG;
        require_once($CFG->libdir . '/completionlib.php');

        $params = self::validate_parameters(self::execute_parameters(), ['courseid' => $courseid]);
        $courseid = $params['courseid'];
        $context = \context_course::instance($courseid);
        self::validate_context($context);
        require_capability('moodle/course:manageactivities', $context);

        $modinfo = get_fast_modinfo($courseid, -1);
        $sections = [];
        foreach ($modinfo->get_section_info_all() as $section) {
            if (!empty($section->component)) {
                continue; // A delegated section (e.g. a subsection), not one of lemma's.
            }
            $cmids = [];
            foreach ($modinfo->sections[$section->section] ?? [] as $cmid) {
                if (!$modinfo->get_cm($cmid)->deletioninprogress) {
                    $cmids[] = (int)$cmid;
                }
            }
            $sections[] = [
                'id' => (int)$section->id,
                'number' => (int)$section->section,
                'name' => (string)$section->name,
                'summary' => (string)$section->summary,
                'visible' => (int)$section->visible,
                'availability' => (string)$section->availability,
                'cmids' => $cmids,
            ];
        }

        $quizzes = [];
        foreach ($modinfo->get_instances_of('quiz') as $cm) {
            if ($cm->deletioninprogress) {
                continue;
            }
            $quiz = $DB->get_record('quiz', ['id' => $cm->instance], 'id, sumgrades, grade', MUST_EXIST);
            $gradeitemid = $DB->get_field('grade_items', 'id', ['courseid' => $courseid, 'itemtype' => 'mod',
                'itemmodule' => 'quiz', 'iteminstance' => $cm->instance, 'itemnumber' => 0]);
            $attempts = $DB->count_records('quiz_attempts', ['quiz' => $cm->instance, 'preview' => 0]);
            $slots = [];
            $sql = "SELECT slot.slot, slot.page, slot.maxmark, qbe.idnumber, qbe.id AS entryid
                      FROM {quiz_slots} slot
                      JOIN {question_references} qr ON qr.itemid = slot.id
                           AND qr.component = 'mod_quiz' AND qr.questionarea = 'slot'
                      JOIN {question_bank_entries} qbe ON qbe.id = qr.questionbankentryid
                     WHERE slot.quizid = ?
                  ORDER BY slot.slot";
            foreach ($DB->get_records_sql($sql, [$cm->instance]) as $slot) {
                $latest = $DB->get_record_sql(
                    "SELECT questionid, version FROM {question_versions}
                      WHERE questionbankentryid = ? ORDER BY version DESC",
                    [$slot->entryid], IGNORE_MULTIPLE);
                $slots[] = [
                    'slot' => (int)$slot->slot,
                    'page' => (int)$slot->page,
                    'maxmark' => (float)$slot->maxmark,
                    'idnumber' => (string)$slot->idnumber,
                    'questionid' => $latest ? (int)$latest->questionid : 0,
                    'version' => $latest ? (int)$latest->version : 0,
                ];
            }
            $quizzes[] = [
                'cmid' => (int)$cm->id,
                'quizid' => (int)$cm->instance,
                'gradeitemid' => (int)$gradeitemid,
                'attempts' => $attempts,
                'sumgrades' => (float)$quiz->sumgrades,
                'grade' => (float)$quiz->grade,
                'slots' => $slots,
            ];
        }

        $criteria = $DB->get_fieldset_select('course_completion_criteria', 'moduleinstance',
            'course = ? AND criteriatype = ?', [$courseid, COMPLETION_CRITERIA_TYPE_ACTIVITY]);
        $appliedrows = [];
        foreach (applied::all($courseid) as $key => $fingerprints) {
            $appliedrows[] = ['key' => $key, 'fingerprints' => $fingerprints];
        }
        return [
            'courseid' => $courseid,
            'sections' => $sections,
            'quizzes' => $quizzes,
            'criteria' => array_map('intval', $criteria),
            'applied' => $appliedrows,
        ];
    }

    /**
     * The state.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'courseid' => new external_value(PARAM_INT, 'Course id'),
            'sections' => new external_multiple_structure(
                new external_single_structure([
                    'id' => new external_value(PARAM_INT, 'Section id'),
                    'number' => new external_value(PARAM_INT, 'Section number'),
                    'name' => new external_value(PARAM_RAW, 'Section name, empty for the default'),
                    'summary' => new external_value(PARAM_RAW, 'Summary HTML as stored'),
                    'visible' => new external_value(PARAM_INT, '1 visible, 0 hidden'),
                    'availability' => new external_value(PARAM_RAW, 'Availability JSON, empty for none'),
                    'cmids' => new external_multiple_structure(
                        new external_value(PARAM_INT, 'Course module id'), 'Modules in order'),
                ])
            ),
            'quizzes' => new external_multiple_structure(
                new external_single_structure([
                    'cmid' => new external_value(PARAM_INT, 'Course module id'),
                    'quizid' => new external_value(PARAM_INT, 'Quiz id'),
                    'gradeitemid' => new external_value(PARAM_INT, 'Grade item id, 0 for none'),
                    'attempts' => new external_value(PARAM_INT, 'Attempts (previews left out)'),
                    'sumgrades' => new external_value(PARAM_FLOAT, 'Total of the slot marks'),
                    'grade' => new external_value(PARAM_FLOAT, 'Maximum grade'),
                    'slots' => new external_multiple_structure(
                        new external_single_structure([
                            'slot' => new external_value(PARAM_INT, 'Slot number'),
                            'page' => new external_value(PARAM_INT, 'Page'),
                            'maxmark' => new external_value(PARAM_FLOAT, 'Mark'),
                            'idnumber' => new external_value(PARAM_RAW, 'Question bank entry idnumber'),
                            'questionid' => new external_value(PARAM_INT, 'Question id of the latest version'),
                            'version' => new external_value(PARAM_INT, 'Latest version number'),
                        ])
                    ),
                ])
            ),
            'criteria' => new external_multiple_structure(
                new external_value(PARAM_INT, 'Course module id'),
                'Activities that course completion requires'),
            'applied' => new external_multiple_structure(
                new external_single_structure([
                    'key' => new external_value(PARAM_RAW, 'What the fingerprints describe'),
                    'fingerprints' => new external_value(PARAM_RAW, 'JSON object: aspect to fingerprint'),
                ])
            ),
        ]);
    }
}
