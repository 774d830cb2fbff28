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
use core_question\local\bank\question_version_status;
use local_lemma\local\applied;

/**
 * Update a quiz in place (same cmid): name, description, settings and feedback bands,
 * completion rules, visibility, and its questions.
 *
 * A changed question becomes a new version of the same question bank entry (found by its
 * idnumber in the quiz's own bank), made by Moodle's question type API from the GIFT text
 * parsed by Moodle's GIFT importer. The quiz's slots point at "always the latest version",
 * so new attempts use the new version, while every attempt already made keeps the version
 * it was started with (question_attempts.questionid) and its review shows that one.
 *
 * Adding, removing, reordering or re-marking slots changes the quiz's structure, which Moodle
 * allows only before the first attempt; after that the call is refused (nothing is changed)
 * unless forcestructure is set, in which case the slots are rebuilt and every learner's quiz
 * grade is recomputed from their attempt marks on the new total.
 *
 * @package    local_lemma
 * @copyright  2026 lemma-pkg contributors
 * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */
class update_quiz extends external_api {
    /** @var string[] The aspects it knows. */
    const ASPECTS = ['name', 'text', 'settings', 'questions', 'completion', 'visibility'];

    /**
     * Parameters: the quiz, the aspects to change and the quiz's data.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'cmid' => new external_value(PARAM_INT, 'Course module id of the quiz'),
            'aspects' => new external_multiple_structure(
                new external_value(PARAM_ALPHA, 'name, text, settings, questions, completion or visibility'),
                'What to change'),
            'name' => new external_value(PARAM_TEXT, 'Name'),
            'intro' => new external_value(PARAM_RAW, 'Description HTML'),
            'settings' => new external_single_structure([
                'attempts' => new external_value(PARAM_INT, 'Attempts allowed, 0 unlimited'),
                'grademethod' => new external_value(PARAM_INT, '1 highest, 2 average, 3 first, 4 last'),
                'grade' => new external_value(PARAM_FLOAT, 'Maximum grade'),
                'gradepass' => new external_value(PARAM_FLOAT, 'Grade to pass, 0 for none'),
                'questionsperpage' => new external_value(PARAM_INT, 'Questions per page, 0 all on one'),
                'shuffleanswers' => new external_value(PARAM_INT, '1 shuffle within questions'),
            ]),
            'feedback' => new external_multiple_structure(
                new external_single_structure([
                    'text' => new external_value(PARAM_RAW, 'Feedback HTML'),
                    'mingrade' => new external_value(PARAM_FLOAT, 'Lowest grade of the band'),
                    'maxgrade' => new external_value(PARAM_FLOAT, 'Grade the band ends below'),
                ]),
                'Overall feedback bands, highest first', VALUE_DEFAULT, []),
            'completion' => update_item::completion_parameter(),
            'visible' => new external_value(PARAM_INT, '1 visible, 0 hidden'),
            'questions' => new external_multiple_structure(
                new external_single_structure([
                    'idnumber' => new external_value(PARAM_RAW, 'Question bank entry idnumber'),
                    'key' => new external_value(PARAM_RAW, 'Where its fingerprint is stored'),
                    'fingerprint' => new external_value(PARAM_RAW, 'Fingerprint of the question'),
                    'gift' => new external_value(PARAM_RAW, 'The question in GIFT'),
                    'maxmark' => new external_value(PARAM_FLOAT, 'Mark of its slot'),
                ]),
                'Every question of the quiz in slot order (aspect questions)', VALUE_DEFAULT, []),
            'forcestructure' => new external_value(PARAM_BOOL,
                'Change the slots even though the quiz has attempts', VALUE_DEFAULT, false),
            'applied' => applied::parameter(),
        ]);
    }

    /**
     * Update the quiz.
     *
     * @param int $cmid
     * @param array $aspects
     * @param string $name
     * @param string $intro
     * @param array $settings
     * @param array $feedback
     * @param array $completion
     * @param int $visible
     * @param array $questions
     * @param bool $forcestructure
     * @param array $applied
     * @return array
     */
    public static function execute(int $cmid, array $aspects, string $name, string $intro, array $settings,
            array $feedback, array $completion, int $visible, array $questions = [],
            bool $forcestructure = false, array $applied = []): array {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/course/lib.php');
        require_once($CFG->dirroot . '/mod/quiz/locallib.php');
        require_once($CFG->libdir . '/gradelib.php');
        require_once($CFG->libdir . '/completionlib.php');

        $params = self::validate_parameters(self::execute_parameters(), [
            'cmid' => $cmid, 'aspects' => $aspects, 'name' => $name, 'intro' => $intro,
            'settings' => $settings, 'feedback' => $feedback, 'completion' => $completion,
            'visible' => $visible, 'questions' => $questions, 'forcestructure' => $forcestructure,
            'applied' => $applied,
        ]);
        [$course, $cminfo] = get_course_and_cm_from_cmid($params['cmid'], 'quiz');
        $context = \context_module::instance($cminfo->id);
        self::validate_context($context);
        require_capability('moodle/course:manageactivities', $context);
        $aspects = array_values(array_unique($params['aspects']));
        foreach ($aspects as $aspect) {
            if (!in_array($aspect, self::ASPECTS)) {
                throw new \invalid_parameter_exception("unknown aspect '$aspect'");
            }
        }
        $has = fn(string $aspect): bool => in_array($aspect, $aspects);
        if ($has('questions')) {
            require_capability('moodle/question:editall', $context);
            require_capability('moodle/question:add', $context);
        }
        if ($has('visibility')) {
            require_capability('moodle/course:activityvisibility', $context);
        }

        $transaction = $DB->start_delegated_transaction();
        $quiz = $DB->get_record('quiz', ['id' => $cminfo->instance], '*', MUST_EXIST);
        $quiz->cmid = $cminfo->id;
        $versions = [];
        $rebuilt = false;
        if ($has('name')) {
            set_coursemodule_name($cminfo->id, $params['name']);
        }
        if ($has('text')) {
            $DB->update_record('quiz', (object)['id' => $quiz->id, 'intro' => $params['intro'],
                'introformat' => FORMAT_HTML, 'timemodified' => time()]);
        }
        if ($has('settings')) {
            self::update_settings($quiz, $params['settings'], $params['feedback']);
        }
        if ($has('questions')) {
            $versions = self::update_questions($course, $quiz, $context, $params['questions']);
            $rebuilt = self::update_slots($quiz, $params['questions'], $params['forcestructure']);
        }
        if ($has('completion')) {
            self::update_completion($course, $cminfo->id, $params['completion']);
        }
        if ($has('visibility')) {
            set_coursemodule_visible($cminfo->id, $params['visible']);
        }
        applied::merge((int)$course->id, $params['applied']);
        rebuild_course_cache($course->id, true);
        $transaction->allow_commit();
        return ['cmid' => (int)$cminfo->id, 'changed' => $aspects, 'versions' => $versions,
            'slotsrebuilt' => $rebuilt];
    }

    /**
     * Settings and feedback bands, with Moodle's own regrading where a setting calls for it.
     *
     * @param \stdClass $quiz
     * @param array $settings
     * @param array $feedback
     */
    protected static function update_settings(\stdClass $quiz, array $settings, array $feedback): void {
        global $DB;
        $quizobj = \mod_quiz\quiz_settings::create($quiz->id);
        $calculator = $quizobj->get_grade_calculator();
        if (abs((float)$quiz->grade - $settings['grade']) > 1e-7) {
            $calculator->update_quiz_maximum_grade($settings['grade']);
        }
        $oldmethod = (int)$quiz->grademethod;
        $oldperpage = (int)$quiz->questionsperpage;
        $DB->update_record('quiz', (object)[
            'id' => $quiz->id,
            'attempts' => $settings['attempts'],
            'grademethod' => $settings['grademethod'],
            'questionsperpage' => $settings['questionsperpage'],
            'shuffleanswers' => $settings['shuffleanswers'],
            'timemodified' => time(),
        ]);
        $quiz = $DB->get_record('quiz', ['id' => $quiz->id], '*', MUST_EXIST);
        $quiz->cmid = $quizobj->get_cmid();
        if ($oldmethod !== (int)$settings['grademethod']) {
            \mod_quiz\quiz_settings::create($quiz->id)->get_grade_calculator()->recompute_all_final_grades();
            quiz_update_grades($quiz);
        }
        if ($oldperpage !== (int)$settings['questionsperpage'] && !quiz_has_attempts($quiz->id)) {
            quiz_repaginate_questions($quiz->id, $settings['questionsperpage']);
        }
        $item = \grade_item::fetch(['itemtype' => 'mod', 'itemmodule' => 'quiz', 'iteminstance' => $quiz->id,
            'itemnumber' => 0, 'courseid' => $quiz->course]);
        if ($item && abs((float)$item->gradepass - $settings['gradepass']) > 1e-7) {
            $item->gradepass = $settings['gradepass'];
            $item->update();
        }
        $old = array_values($DB->get_records('quiz_feedback', ['quizid' => $quiz->id], 'mingrade DESC, id ASC'));
        $same = count($old) === count($feedback);
        foreach ($feedback as $i => $band) {
            $same = $same && $old[$i]->feedbacktext === $band['text']
                && abs((float)$old[$i]->mingrade - $band['mingrade']) < 1e-7
                && abs((float)$old[$i]->maxgrade - $band['maxgrade']) < 1e-7;
        }
        if (!$same) {
            $DB->delete_records('quiz_feedback', ['quizid' => $quiz->id]);
            foreach ($feedback as $band) {
                $DB->insert_record('quiz_feedback', (object)['quizid' => $quiz->id,
                    'feedbacktext' => $band['text'], 'feedbacktextformat' => FORMAT_HTML,
                    'mingrade' => $band['mingrade'], 'maxgrade' => $band['maxgrade']]);
            }
        }
    }

    /**
     * New versions of changed questions, new bank entries for new ones.
     *
     * @param \stdClass $course
     * @param \stdClass $quiz
     * @param \context_module $context
     * @param array $questions
     * @return array one row per question: idnumber, questionid, version, created
     */
    protected static function update_questions(\stdClass $course, \stdClass $quiz, \context_module $context,
            array $questions): array {
        global $DB;
        $stored = applied::all((int)$course->id);
        $out = [];
        foreach ($questions as $given) {
            $entry = self::entry($context, $given['idnumber']);
            $known = json_decode($stored[$given['key']] ?? '{}', true);
            if ($entry && is_array($known) && ($known['question'] ?? null) === $given['fingerprint']) {
                continue;
            }
            $imported = self::parse_gift($given['gift'], $given['idnumber']);
            if ($entry) {
                $latest = $DB->get_record_sql(
                    "SELECT q.* FROM {question} q JOIN {question_versions} qv ON qv.questionid = q.id
                      WHERE qv.questionbankentryid = ? ORDER BY qv.version DESC",
                    [$entry->id], IGNORE_MULTIPLE, MUST_EXIST);
                $categoryid = (int)$entry->questioncategoryid;
            } else {
                $latest = new \stdClass();
                $categoryid = self::category_for_new($context, $quiz);
            }
            $form = clone($imported);
            $form->category = $categoryid . ',' . $context->id;
            $form->questiontext = ['text' => $imported->questiontext, 'format' => $imported->questiontextformat];
            $form->generalfeedback = ['text' => $imported->generalfeedback,
                'format' => $imported->generalfeedbackformat];
            $form->idnumber = $given['idnumber'];
            $form->status = question_version_status::QUESTION_STATUS_READY;
            $latest->qtype = $imported->qtype;
            $saved = \question_bank::get_qtype($imported->qtype)->save_question($latest, $form);
            if (!empty($imported->tags) && \core_tag_tag::is_enabled('core_question', 'question')) {
                \core_tag_tag::set_item_tags('core_question', 'question', $saved->id, $context, $imported->tags);
            }
            $version = $DB->get_record('question_versions', ['questionid' => $saved->id], '*', MUST_EXIST);
            $out[] = ['idnumber' => $given['idnumber'], 'questionid' => (int)$saved->id,
                'version' => (int)$version->version, 'created' => !$entry];
        }
        return $out;
    }

    /**
     * The question bank entry with this idnumber in the quiz's own bank, or null.
     *
     * @param \context_module $context
     * @param string $idnumber
     * @return \stdClass|null
     */
    protected static function entry(\context_module $context, string $idnumber): ?\stdClass {
        global $DB;
        $entry = $DB->get_record_sql(
            "SELECT qbe.* FROM {question_bank_entries} qbe
               JOIN {question_categories} qc ON qc.id = qbe.questioncategoryid
              WHERE qc.contextid = ? AND qbe.idnumber = ?",
            [$context->id, $idnumber], IGNORE_MULTIPLE);
        return $entry ?: null;
    }

    /**
     * Where a new question goes: the category of the quiz's first question, else the
     * default category of the quiz's bank.
     *
     * @param \context_module $context
     * @param \stdClass $quiz
     * @return int
     */
    protected static function category_for_new(\context_module $context, \stdClass $quiz): int {
        global $DB;
        $categoryid = $DB->get_field_sql(
            "SELECT qbe.questioncategoryid FROM {quiz_slots} slot
               JOIN {question_references} qr ON qr.itemid = slot.id
                    AND qr.component = 'mod_quiz' AND qr.questionarea = 'slot'
               JOIN {question_bank_entries} qbe ON qbe.id = qr.questionbankentryid
              WHERE slot.quizid = ? ORDER BY slot.slot",
            [$quiz->id], IGNORE_MULTIPLE);
        if ($categoryid) {
            return (int)$categoryid;
        }
        return (int)question_get_default_category($context->id, true)->id;
    }

    /**
     * Moodle's GIFT importer's question object for one GIFT question.
     *
     * @param string $gift
     * @param string $idnumber
     * @return \stdClass
     */
    protected static function parse_gift(string $gift, string $idnumber): \stdClass {
        global $CFG;
        require_once($CFG->dirroot . '/question/format.php');
        require_once($CFG->dirroot . '/question/format/gift/format.php');
        $format = new \qformat_gift();
        ob_start(); // The importer reports problems by printing them.
        $question = $format->readquestion(explode("\n", $gift));
        $printed = trim(strip_tags(ob_get_clean()));
        if (!$question || $question->qtype === 'category' || $printed !== '') {
            throw new \moodle_exception('giftnotread', 'local_lemma', '', (object)[
                'idnumber' => $idnumber, 'problem' => $printed ?: 'no question in the text']);
        }
        if (!empty($question->fraction) && is_array($question->fraction)) {
            $options = \question_bank::fraction_options_full();
            foreach ($question->fraction as $key => $fraction) {
                $matched = match_grade_options($options, $fraction, 'error');
                if ($matched === false) {
                    throw new \moodle_exception('giftnotread', 'local_lemma', '', (object)[
                        'idnumber' => $idnumber, 'problem' => "answer weight $fraction is not one Moodle offers"]);
                }
                $question->fraction[$key] = $matched;
            }
        }
        return $question;
    }

    /**
     * Make the slots follow the given questions and marks; refuse after attempts unless forced.
     *
     * @param \stdClass $quiz
     * @param array $questions
     * @param bool $force
     * @return bool whether the slots were rebuilt
     */
    protected static function update_slots(\stdClass $quiz, array $questions, bool $force): bool {
        global $DB;
        $context = \context_module::instance($quiz->cmid);
        $current = [];
        $sql = "SELECT slot.id, slot.slot, slot.maxmark, qbe.idnumber
                  FROM {quiz_slots} slot
             LEFT JOIN {question_references} qr ON qr.itemid = slot.id
                       AND qr.component = 'mod_quiz' AND qr.questionarea = 'slot'
             LEFT JOIN {question_bank_entries} qbe ON qbe.id = qr.questionbankentryid
                 WHERE slot.quizid = ? ORDER BY slot.slot";
        $slots = $DB->get_records_sql($sql, [$quiz->id]);
        foreach ($slots as $slot) {
            $current[] = [(string)$slot->idnumber, round((float)$slot->maxmark, 7)];
        }
        $wanted = [];
        foreach ($questions as $given) {
            $wanted[] = [$given['idnumber'], round((float)$given['maxmark'], 7)];
        }
        if ($current === $wanted) {
            return false;
        }
        $attempts = $DB->count_records('quiz_attempts', ['quiz' => $quiz->id, 'preview' => 0]);
        if ($attempts && !$force) {
            throw new \moodle_exception('quizhasattempts', 'local_lemma', '',
                (object)['name' => format_string($quiz->name), 'attempts' => $attempts]);
        }
        foreach ($slots as $slot) {
            $DB->delete_records('question_references', ['component' => 'mod_quiz', 'questionarea' => 'slot',
                'itemid' => $slot->id]);
            $DB->delete_records('question_set_references', ['component' => 'mod_quiz', 'questionarea' => 'slot',
                'itemid' => $slot->id]);
        }
        $DB->delete_records('quiz_slots', ['quizid' => $quiz->id]);
        $DB->delete_records_select('quiz_sections', 'quizid = ? AND firstslot > 1', [$quiz->id]);
        foreach ($questions as $given) {
            $entry = self::entry($context, $given['idnumber']);
            $questionid = $DB->get_field_sql(
                "SELECT questionid FROM {question_versions} WHERE questionbankentryid = ? ORDER BY version DESC",
                [$entry->id], IGNORE_MULTIPLE);
            quiz_add_quiz_question($questionid, $quiz, 0, $given['maxmark']);
        }
        quiz_repaginate_questions($quiz->id, $quiz->questionsperpage);
        $calculator = \mod_quiz\quiz_settings::create($quiz->id)->get_grade_calculator();
        $calculator->recompute_quiz_sumgrades();
        if ($attempts) {
            $calculator->recompute_all_final_grades();
            quiz_update_grades($DB->get_record('quiz', ['id' => $quiz->id]));
        }
        return true;
    }

    /**
     * Completion rules, then Moodle recalculates every learner's completion of the quiz (as
     * update_moduleinfo() does when the form's completion settings are unlocked).
     *
     * @param \stdClass $course
     * @param int $cmid
     * @param array $c
     */
    protected static function update_completion(\stdClass $course, int $cmid, array $c): void {
        global $DB;
        $DB->update_record('course_modules', (object)[
            'id' => $cmid,
            'completion' => $c['completion'],
            'completionview' => $c['completionview'],
            'completiongradeitemnumber' => $c['completionusegrade'] ? 0 : null,
            'completionpassgrade' => $c['completionpassgrade'],
        ]);
        \course_modinfo::build_course_cache($course);
        $completion = new \completion_info($course);
        if ($completion->is_enabled()) {
            $completion->reset_all_state(\cm_info::create(get_coursemodule_from_id('quiz', $cmid)));
        }
    }

    /**
     * What was changed.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'cmid' => new external_value(PARAM_INT, 'Course module id'),
            'changed' => new external_multiple_structure(
                new external_value(PARAM_ALPHA, 'Aspect'), 'Aspects applied'),
            'versions' => new external_multiple_structure(
                new external_single_structure([
                    'idnumber' => new external_value(PARAM_RAW, 'Question bank entry idnumber'),
                    'questionid' => new external_value(PARAM_INT, 'The new question id'),
                    'version' => new external_value(PARAM_INT, 'Its version number'),
                    'created' => new external_value(PARAM_BOOL, 'A new question bank entry'),
                ]),
                'Question versions made'),
            'slotsrebuilt' => new external_value(PARAM_BOOL, 'The slots were rebuilt'),
        ]);
    }
}
